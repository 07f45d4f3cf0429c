import type { S3BucketLifecycleConfigurationRule } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import type { S3BucketPublicAccessBlockConfig } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import type { S3BucketServerSideEncryptionConfigurationRuleA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";

/** Every secure default for S3 buckets in this project, as pure functions. PrivateBucket applies them. */

/** One statement of a bucket policy, in the shape of a `data "aws_iam_policy_document"` statement block. */
export interface BucketPolicyStatement {
  /** Unique within the bucket's policy; reviewers read it in the plan. */
  readonly sid: string;
  readonly effect: "Allow" | "Deny";
  readonly principals: readonly { readonly type: "*" | "AWS" | "Service"; readonly identifiers: readonly string[] }[];
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly conditions?: readonly { readonly test: string; readonly variable: string; readonly values: readonly string[] }[];
}

export const TLS_ONLY_SID = "DenyInsecureTransport";

/** A bucket that `terraform destroy` cannot empty: deleting data needs a deliberate step. */
export function bucketDefaults(): { forceDestroy: boolean } {
  return { forceDestroy: false };
}

export function versioningDefaults(): { status: "Enabled" } {
  return { status: "Enabled" };
}

/**
 * SSE-S3 (AES256) without a key; SSE-KMS with the given key otherwise. The bucket key cuts KMS
 * requests (and their cost and throttling) by reusing a data key per bucket for a while.
 */
export function encryptionRule(kmsKeyArn?: string): S3BucketServerSideEncryptionConfigurationRuleA {
  if (kmsKeyArn === undefined) {
    return { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } };
  }
  return {
    applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn },
    bucketKeyEnabled: true,
  };
}

export function publicAccessBlockDefaults(): Required<
  Pick<S3BucketPublicAccessBlockConfig, "blockPublicAcls" | "blockPublicPolicy" | "ignorePublicAcls" | "restrictPublicBuckets">
> {
  return { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };
}

/** ACLs off: the bucket owner owns every object, and access is decided by policies alone. */
export const OBJECT_OWNERSHIP = "BucketOwnerEnforced";

/** Denies every request made without TLS, to the bucket and to each object in it. */
export function tlsOnlyStatement(bucketArn: string): BucketPolicyStatement {
  return {
    sid: TLS_ONLY_SID,
    effect: "Deny",
    principals: [{ type: "*", identifiers: ["*"] }],
    actions: ["s3:*"],
    resources: [bucketArn, `${bucketArn}/*`],
    conditions: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
  };
}

export const NONCURRENT_VERSIONS_RULE_ID = "expire-noncurrent-versions";
export const ABORT_INCOMPLETE_UPLOAD_DAYS = 7;

/**
 * Old versions are kept `days` days after they are replaced or deleted, then expire. The empty
 * `filter {}` applies the rule to the whole bucket; AWS provider 6 warns when a rule has neither
 * filter nor prefix.
 */
export function noncurrentVersionExpirationRule(days: number): S3BucketLifecycleConfigurationRule {
  return {
    id: NONCURRENT_VERSIONS_RULE_ID,
    status: "Enabled",
    filter: [{}],
    noncurrentVersionExpiration: [{ noncurrentDays: days }],
    // Once every older version has expired, a lone delete marker is clutter that slows listing.
    expiration: [{ expiredObjectDeleteMarker: true }],
    abortIncompleteMultipartUpload: [{ daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS }],
  };
}
