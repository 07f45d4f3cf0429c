import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Annotations, Token, type TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import {
  bucketDefaults,
  encryptionRule,
  noncurrentVersionExpirationRule,
  OBJECT_OWNERSHIP,
  publicAccessBlockDefaults,
  tlsOnlyStatement,
  versioningDefaults,
  type BucketPolicyStatement,
} from "../defaults/s3";

export interface PrivateBucketProps {
  /** The exact bucket name. Give this or `bucketPrefix`, not both; with neither, Terraform picks a name. */
  readonly bucketName?: string;
  /** Terraform appends 26 characters to make a unique name. */
  readonly bucketPrefix?: string;
  /** A customer-managed KMS key switches encryption from SSE-S3 (AES256) to SSE-KMS with a bucket key. */
  readonly kmsKeyArn?: string;
  /** Expire object versions this many days after they stop being current. Omit to keep them forever. */
  readonly noncurrentVersionExpirationDays?: number;
  /** Sets `lifecycle { prevent_destroy = true }` on the bucket, for buckets whose loss is unrecoverable. */
  readonly preventDestroy?: boolean;
  /**
   * Security override: lets `terraform destroy` delete the bucket with every object version in it.
   * Meant for throwaway environments; emits a synth warning.
   */
  readonly forceDestroy?: boolean;
  readonly tags?: Readonly<Record<string, string>>;
  /** Where the bucket lives; the stack's default AWS provider when omitted. */
  readonly provider?: TerraformProvider;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const BUCKET_PREFIX = /^[a-z0-9][a-z0-9.-]{0,36}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/;

function propProblems(props: PrivateBucketProps): string[] {
  const problems: string[] = [];
  const known = (value: string | undefined): value is string => value !== undefined && !Token.isUnresolved(value);
  if (props.bucketName !== undefined && props.bucketPrefix !== undefined) {
    problems.push("give bucketName or bucketPrefix, not both");
  }
  if (known(props.bucketName) && !BUCKET_NAME.test(props.bucketName)) {
    problems.push(`bucketName ${JSON.stringify(props.bucketName)} is not a valid S3 bucket name (3-63 characters of a-z, 0-9, '.', '-', starting and ending with a letter or digit)`);
  }
  if (known(props.bucketPrefix) && !BUCKET_PREFIX.test(props.bucketPrefix)) {
    problems.push(`bucketPrefix ${JSON.stringify(props.bucketPrefix)} must be 1-37 characters of a-z, 0-9, '.', '-' starting with a letter or digit (Terraform appends 26 more, and S3 allows 63)`);
  }
  if (known(props.kmsKeyArn) && !KMS_KEY_ARN.test(props.kmsKeyArn)) {
    problems.push(`kmsKeyArn ${JSON.stringify(props.kmsKeyArn)} must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); aliases are not accepted by bucket encryption`);
  }
  const days = props.noncurrentVersionExpirationDays;
  if (days !== undefined && !Token.isUnresolved(days) && !(Number.isInteger(days) && days >= 1)) {
    problems.push(`noncurrentVersionExpirationDays must be a whole number of days, at least 1 (got ${days})`);
  }
  return problems;
}

/**
 * An S3 bucket nobody outside the account can reach: versioned, encrypted at rest, all four public
 * access blocks on, ACLs disabled, and a policy that refuses plain HTTP. Other constructs add
 * statements to its one bucket policy through `addToResourcePolicy`.
 */
export class PrivateBucket extends Construct {
  public readonly bucket: S3Bucket;
  public readonly versioning: S3BucketVersioningA;
  public readonly encryption: S3BucketServerSideEncryptionConfigurationA;
  public readonly publicAccessBlock: S3BucketPublicAccessBlock;
  public readonly ownershipControls: S3BucketOwnershipControls;
  public readonly policyDocument: DataAwsIamPolicyDocument;
  public readonly policy: S3BucketPolicy;
  public readonly lifecycleConfiguration: S3BucketLifecycleConfiguration | undefined;
  public readonly kmsKeyArn: string | undefined;

  private readonly statements: BucketPolicyStatement[] = [];

  constructor(scope: Construct, id: string, props: PrivateBucketProps = {}) {
    super(scope, id);
    const problems = propProblems(props);
    if (problems.length > 0) {
      throw new Error(`PrivateBucket ${this.node.path}:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    }
    const { provider } = props;
    this.kmsKeyArn = props.kmsKeyArn;

    if (props.forceDestroy === true) {
      Annotations.of(this).addWarning(
        "forceDestroy is on: `terraform destroy` will delete this bucket and every object version in it. Use it only for throwaway environments.",
      );
    }
    this.bucket = new S3Bucket(this, "bucket", {
      ...bucketDefaults(),
      ...(props.forceDestroy !== undefined ? { forceDestroy: props.forceDestroy } : {}),
      bucket: props.bucketName,
      bucketPrefix: props.bucketPrefix,
      tags: props.tags ? { ...props.tags } : undefined,
      lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
      provider,
    });
    const bucket = this.bucket.id;

    this.versioning = new S3BucketVersioningA(this, "versioning", {
      bucket,
      versioningConfiguration: versioningDefaults(),
      provider,
    });
    this.encryption = new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket,
      rule: [encryptionRule(props.kmsKeyArn)],
      provider,
    });
    this.publicAccessBlock = new S3BucketPublicAccessBlock(this, "public_access_block", {
      bucket,
      ...publicAccessBlockDefaults(),
      provider,
    });
    this.ownershipControls = new S3BucketOwnershipControls(this, "ownership_controls", {
      bucket,
      rule: { objectOwnership: OBJECT_OWNERSHIP },
      provider,
    });

    this.policyDocument = new DataAwsIamPolicyDocument(this, "policy_document", { provider });
    this.addToResourcePolicy(tlsOnlyStatement(this.bucket.arn));
    // S3 refuses some policies while the public access block is still being applied.
    this.policy = new S3BucketPolicy(this, "policy", {
      bucket,
      policy: this.policyDocument.json,
      dependsOn: [this.publicAccessBlock],
      provider,
    });

    this.lifecycleConfiguration =
      props.noncurrentVersionExpirationDays === undefined
        ? undefined
        : new S3BucketLifecycleConfiguration(this, "lifecycle", {
            bucket,
            rule: [noncurrentVersionExpirationRule(props.noncurrentVersionExpirationDays)],
            // Noncurrent-version rules mean nothing until versioning is on.
            dependsOn: [this.versioning],
            provider,
          });
  }

  /** Adds a statement to the bucket's single policy. Sids must be unique, so two grants never silently merge. */
  public addToResourcePolicy(statement: BucketPolicyStatement): void {
    if (this.statements.some((existing) => existing.sid === statement.sid)) {
      throw new Error(`PrivateBucket ${this.node.path}: the bucket policy already has a statement with sid "${statement.sid}"; give each statement its own sid`);
    }
    this.statements.push(statement);
    this.policyDocument.putStatement(
      this.statements.map((entry) => ({
        sid: entry.sid,
        effect: entry.effect,
        principals: entry.principals.map((principal) => ({ type: principal.type, identifiers: [...principal.identifiers] })),
        actions: [...entry.actions],
        resources: [...entry.resources],
        condition: entry.conditions?.map((condition) => ({ ...condition, values: [...condition.values] })),
      })),
    );
  }

  /** The statements in the bucket policy, in the order they were added. */
  public get policyStatements(): readonly BucketPolicyStatement[] {
    return [...this.statements];
  }
}
