import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Construct } from "constructs";
import { CLOUDFRONT_CONTROL_REGION } from "../config/regions";

export interface AwsProvidersProps {
  readonly region: string;
  readonly account: string;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The default provider in the environment's region, and an aliased one pinned to us-east-1 for
 * what CloudFront needs regionally (Lambda@Edge, ACM, WAF, log delivery). An aliased provider does
 * not inherit default_tags, so both get them. `allowed_account_ids` stops an apply with the wrong
 * credentials before it touches anything.
 */
export class AwsProviders extends Construct {
  public readonly regional: AwsProvider;
  public readonly usEast1: AwsProvider;

  constructor(scope: Construct, id: string, props: AwsProvidersProps) {
    super(scope, id);
    const shared = {
      allowedAccountIds: [props.account],
      defaultTags: [{ tags: { ...props.tags } }],
    };
    this.regional = new AwsProvider(this, "regional", { ...shared, region: props.region });
    this.usEast1 = new AwsProvider(this, "us_east_1", {
      ...shared,
      region: CLOUDFRONT_CONTROL_REGION,
      alias: "us_east_1",
    });
  }
}
