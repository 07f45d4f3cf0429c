import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { PrivateBucket } from "./private-bucket";

export interface StateBucketProps {
  /** The configured `state.bucket`; the S3 backend of every other stack points at it. */
  readonly bucketName: string;
  /** Customer-managed KMS key for state at rest; SSE-S3 (AES256) when omitted. */
  readonly kmsKeyArn?: string;
  /** State history is the way back from a bad apply, so it is kept long. Default 90 days. */
  readonly noncurrentVersionExpirationDays?: number;
  readonly tags?: Readonly<Record<string, string>>;
  readonly provider?: TerraformProvider;
}

export const STATE_HISTORY_DAYS = 90;

/**
 * The bucket that holds Terraform state, created by the bootstrap stack (local backend). It is a
 * PrivateBucket that Terraform refuses to destroy. Locking uses S3 lock files (`use_lockfile`), so
 * there is no DynamoDB table.
 */
export class StateBucket extends Construct {
  public readonly privateBucket: PrivateBucket;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    this.privateBucket = new PrivateBucket(this, "state", {
      bucketName: props.bucketName,
      kmsKeyArn: props.kmsKeyArn,
      noncurrentVersionExpirationDays: props.noncurrentVersionExpirationDays ?? STATE_HISTORY_DAYS,
      preventDestroy: true,
      tags: props.tags,
      provider: props.provider,
    });
  }

  public get bucketName(): string {
    return this.privateBucket.bucket.bucket;
  }

  public get bucketArn(): string {
    return this.privateBucket.bucket.arn;
  }
}
