import type {} from "cdktf/lib/testing/adapters/jest";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { TerraformStack, Testing } from "cdktf";
import { expectPrivateBucketBaseline } from "./assertions";
import { StateBucket, STATE_HISTORY_DAYS, type StateBucketProps } from "../../src/constructs/state-bucket";

function synthWith(props: StateBucketProps): { synth: string; stateBucket: StateBucket } {
  const stack = new TerraformStack(Testing.app(), "bootstrap");
  new AwsProvider(stack, "aws", { region: "eu-central-1" });
  const stateBucket = new StateBucket(stack, "state_bucket", props);
  return { synth: Testing.synth(stack, true), stateBucket };
}

/** toHaveResourceWithProperties matches arrays whole, so rules are compared with toMatchObject instead. */
function lifecycleRules(synth: string): unknown[] {
  const configurations = Object.values(JSON.parse(synth).resource.aws_s3_bucket_lifecycle_configuration) as { rule: unknown[] }[];
  expect(configurations).toHaveLength(1);
  return configurations[0].rule;
}

describe("StateBucket", () => {
  const { synth, stateBucket } = synthWith({ bucketName: "acme-edge-inference-tfstate" });
  const json = JSON.parse(synth);

  it("uses the configured name and cannot be destroyed by Terraform", () => {
    expect(synth).toHaveResourceWithProperties(S3Bucket, {
      bucket: "acme-edge-inference-tfstate",
      force_destroy: false,
      lifecycle: { prevent_destroy: true },
    });
  });

  it("is versioned, encrypted, fully blocked from public access and ACL-free", () => {
    expectPrivateBucketBaseline(synth);
  });

  it("refuses requests without TLS and grants nothing", () => {
    const documents = Object.values(json.data.aws_iam_policy_document) as { statement: { sid: string; effect: string; condition: unknown }[] }[];
    expect(documents).toHaveLength(1);
    expect(documents[0].statement).toHaveLength(1);
    expect(documents[0].statement[0]).toMatchObject({
      sid: "DenyInsecureTransport",
      effect: "Deny",
      condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
    });
    expect(Object.keys(json.resource.aws_s3_bucket_policy)).toHaveLength(1);
  });

  it("keeps state history for 90 days by default", () => {
    expect(STATE_HISTORY_DAYS).toBe(90);
    expect(synth).toHaveResource(S3BucketLifecycleConfiguration);
    expect(lifecycleRules(synth)).toMatchObject([{ filter: [{}], noncurrent_version_expiration: [{ noncurrent_days: 90 }] }]);
  });

  it("exposes the bucket it created", () => {
    expect(stateBucket.privateBucket.bucket).toBeInstanceOf(S3Bucket);
    expect(typeof stateBucket.bucketArn).toBe("string");
  });

  it("takes a longer history and a KMS key when given", () => {
    const kmsKeyArn = "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const { synth: custom } = synthWith({ bucketName: "acme-edge-inference-tfstate", noncurrentVersionExpirationDays: 365, kmsKeyArn });
    expect(lifecycleRules(custom)).toMatchObject([{ noncurrent_version_expiration: [{ noncurrent_days: 365 }] }]);
    expect(custom).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: kmsKeyArn }, bucket_key_enabled: true }],
    });
  });

  it("rejects a bucket name S3 would refuse", () => {
    expect(() => synthWith({ bucketName: "State_Bucket" })).toThrow(/bucketName "State_Bucket" is not a valid S3 bucket name/);
  });
});
