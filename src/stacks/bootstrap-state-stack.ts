import { LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/schema";
import { AwsProviders } from "../constructs/aws-providers";
import { StateBucket } from "../constructs/state-bucket";

export interface BootstrapStateStackProps {
  readonly config: EnvironmentConfig;
}

/**
 * Creates the bucket that holds every other stack's state. Its own state is local: it is applied
 * once, first, by someone with admin credentials, and the state file is kept beside the stack.
 */
export class BootstrapStateStack extends TerraformStack {
  public readonly stateBucket: StateBucket;

  constructor(scope: Construct, id: string, props: BootstrapStateStackProps) {
    super(scope, id);
    const { config } = props;
    new LocalBackend(this, { path: `terraform.${id}.tfstate` });
    const providers = new AwsProviders(this, "aws", {
      region: config.state.region,
      account: config.account,
      tags: config.tags,
    });
    this.stateBucket = new StateBucket(this, "state_bucket", {
      bucketName: config.state.bucket,
      provider: providers.regional,
    });
    new TerraformOutput(this, "state_bucket_name", { value: this.stateBucket.bucketName });
  }
}
