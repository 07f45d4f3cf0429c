import type {} from "cdktf/lib/testing/adapters/jest";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { TerraformStack, Testing } from "cdktf";
import { expectAllPublicAccessBlocked, onlyEntry, synthWarnings } from "./assertions";
import { PrivateBucket, type PrivateBucketProps } from "../../src/constructs/private-bucket";

const KMS_KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

function stackWith(props?: PrivateBucketProps): { stack: TerraformStack; bucket: PrivateBucket } {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const bucket = new PrivateBucket(stack, "data", props);
  return { stack, bucket };
}

interface SynthesizedStatement {
  sid: string;
  effect: string;
  actions: string[];
  resources: string[];
  principals: { type: string; identifiers: string[] }[];
  condition?: { test: string; variable: string; values: string[] }[];
}

function synthesized(stack: TerraformStack) {
  return JSON.parse(Testing.synth(stack, true));
}


function policyStatements(stack: TerraformStack): SynthesizedStatement[] {
  return onlyEntry<{ statement: SynthesizedStatement[] }>(synthesized(stack).data?.aws_iam_policy_document)[1].statement;
}


describe("PrivateBucket secure defaults", () => {
  const { stack } = stackWith({ bucketName: "edge-inference-data" });
  const synth = Testing.synth(stack, true);

  it("names the bucket and refuses to destroy it with objects inside", () => {
    expect(synth).toHaveResourceWithProperties(S3Bucket, { bucket: "edge-inference-data", force_destroy: false });
  });

  it("turns versioning on", () => {
    expect(synth).toHaveResourceWithProperties(S3BucketVersioningA, { versioning_configuration: { status: "Enabled" } });
  });

  it("encrypts with SSE-S3 (AES256) when no KMS key is given", () => {
    expect(synth).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }],
    });
    const encryption = onlyEntry<{ rule: Record<string, unknown>[] }>(JSON.parse(synth).resource.aws_s3_bucket_server_side_encryption_configuration)[1];
    expect(encryption.rule[0]).not.toHaveProperty("bucket_key_enabled");
  });

  it("sets all four public access blocks", () => {
    expectAllPublicAccessBlocked(synth);
  });

  it("disables ACLs with BucketOwnerEnforced", () => {
    expect(synth).toHaveResourceWithProperties(S3BucketOwnershipControls, { rule: { object_ownership: "BucketOwnerEnforced" } });
  });

  it("has one bucket policy, built from the policy document and applied after the public access block", () => {
    const resources = JSON.parse(synth).resource;
    const policy = onlyEntry<{ policy: string; depends_on: string[] }>(resources.aws_s3_bucket_policy)[1];
    const documentName = Object.keys(JSON.parse(synth).data.aws_iam_policy_document)[0];
    const blockName = Object.keys(resources.aws_s3_bucket_public_access_block)[0];
    expect(policy.policy).toBe(`\${data.aws_iam_policy_document.${documentName}.json}`);
    expect(policy.depends_on).toEqual([`aws_s3_bucket_public_access_block.${blockName}`]);
  });

  it("denies every request without TLS, on the bucket and on its objects", () => {
    const bucketName = Object.keys(JSON.parse(synth).resource.aws_s3_bucket)[0];
    const arn = `\${aws_s3_bucket.${bucketName}.arn}`;
    expect(policyStatements(stack)).toEqual([
      {
        sid: "DenyInsecureTransport",
        effect: "Deny",
        principals: [{ type: "*", identifiers: ["*"] }],
        actions: ["s3:*"],
        resources: [arn, `${arn}/*`],
        condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      },
    ]);
  });

  it("has no lifecycle configuration and no prevent_destroy unless asked", () => {
    expect(synth).not.toHaveResource(S3BucketLifecycleConfiguration);
    expect(onlyEntry<Record<string, unknown>>(JSON.parse(synth).resource.aws_s3_bucket)[1]).not.toHaveProperty("lifecycle");
  });

  it("emits no warnings", () => {
    expect(synthWarnings(stack)).toEqual([]);
  });
});

describe("PrivateBucket options", () => {
  it("switches to SSE-KMS with a bucket key when given a key ARN", () => {
    const { stack, bucket } = stackWith({ bucketPrefix: "data-", kmsKeyArn: KMS_KEY_ARN });
    expect(Testing.synth(stack, true)).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: KMS_KEY_ARN }, bucket_key_enabled: true }],
    });
    expect(bucket.kmsKeyArn).toBe(KMS_KEY_ARN);
  });

  it("uses bucket_prefix and leaves bucket unset when given a prefix", () => {
    const { stack } = stackWith({ bucketPrefix: "data-" });
    const bucket = onlyEntry<Record<string, unknown>>(synthesized(stack).resource.aws_s3_bucket)[1];
    expect(bucket.bucket_prefix).toBe("data-");
    expect(bucket).not.toHaveProperty("bucket");
  });

  it("expires noncurrent versions with a rule that has an explicit empty filter, once versioning is on", () => {
    const { stack } = stackWith({ bucketName: "edge-inference-data", noncurrentVersionExpirationDays: 30 });
    const synth = Testing.synth(stack, true);
    expect(synth).toHaveResourceWithProperties(S3BucketLifecycleConfiguration, {
      rule: [
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: [{}],
          noncurrent_version_expiration: [{ noncurrent_days: 30 }],
          expiration: [{ expired_object_delete_marker: true }],
          abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
        },
      ],
    });
    const resources = JSON.parse(synth).resource;
    const lifecycle = onlyEntry<{ depends_on: string[] }>(resources.aws_s3_bucket_lifecycle_configuration)[1];
    expect(lifecycle.depends_on).toEqual([`aws_s3_bucket_versioning.${Object.keys(resources.aws_s3_bucket_versioning)[0]}`]);
  });

  it("sets prevent_destroy when asked", () => {
    const { stack } = stackWith({ bucketName: "edge-inference-data", preventDestroy: true });
    expect(Testing.synth(stack, true)).toHaveResourceWithProperties(S3Bucket, { lifecycle: { prevent_destroy: true } });
  });

  it("allows force_destroy only with a synth warning", () => {
    const { stack, bucket } = stackWith({ bucketName: "edge-inference-data", forceDestroy: true });
    expect(Testing.synth(stack, true)).toHaveResourceWithProperties(S3Bucket, { force_destroy: true });
    expect(synthWarnings(bucket)).toEqual([expect.stringContaining("forceDestroy is on")]);
  });

  it("places every resource and the policy document with the given provider", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    const usEast1 = new AwsProvider(stack, "us_east_1", { region: "us-east-1", alias: "us_east_1" });
    new PrivateBucket(stack, "data", { bucketName: "edge-inference-data", noncurrentVersionExpirationDays: 7, provider: usEast1 });
    const json = synthesized(stack);
    const blocks = [...Object.values(json.resource), ...Object.values(json.data)] as Record<string, { provider?: string }>[];
    const placed = blocks.flatMap((byName) => Object.values(byName).map((block) => block.provider));
    expect(placed).toHaveLength(8);
    expect(new Set(placed)).toEqual(new Set(["aws.us_east_1"]));
  });
});

describe("PrivateBucket resource policy", () => {
  it("adds statements to the one policy document, after the TLS deny", () => {
    const { stack, bucket } = stackWith({ bucketName: "edge-inference-data" });
    bucket.addToResourcePolicy({
      sid: "AllowAuditRead",
      effect: "Allow",
      principals: [{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:role/audit"] }],
      actions: ["s3:GetObject"],
      resources: [`${bucket.bucket.arn}/reports/*`],
    });
    const synth = Testing.synth(stack, true);
    expect(synth).toHaveResource(S3BucketPolicy);
    expect(Object.keys(JSON.parse(synth).resource.aws_s3_bucket_policy)).toHaveLength(1);
    expect(synth).toHaveDataSource(DataAwsIamPolicyDocument);
    const statements = policyStatements(stack);
    expect(statements.map((statement) => statement.sid)).toEqual(["DenyInsecureTransport", "AllowAuditRead"]);
    expect(statements[1]).not.toHaveProperty("condition");
    expect(bucket.policyStatements.map((statement) => statement.sid)).toEqual(["DenyInsecureTransport", "AllowAuditRead"]);
  });

  it("refuses a second statement with the same sid", () => {
    const { bucket } = stackWith({ bucketName: "edge-inference-data" });
    expect(() =>
      bucket.addToResourcePolicy({ sid: "DenyInsecureTransport", effect: "Deny", principals: [], actions: ["s3:*"], resources: ["*"] }),
    ).toThrow(/already has a statement with sid "DenyInsecureTransport"/);
  });
});

describe("PrivateBucket misuse", () => {
  it("reports every problem in one error, one line each", () => {
    let message = "";
    try {
      stackWith({
        bucketName: "Not_A_Bucket",
        bucketPrefix: "also-given-",
        kmsKeyArn: "alias/models",
        noncurrentVersionExpirationDays: 0,
      });
    } catch (error) {
      message = (error as Error).message;
    }
    const lines = message.split("\n");
    expect(lines[0]).toBe("PrivateBucket test/data:");
    expect(lines.slice(1)).toEqual([
      "  - give bucketName or bucketPrefix, not both",
      expect.stringContaining('bucketName "Not_A_Bucket" is not a valid S3 bucket name'),
      expect.stringContaining('kmsKeyArn "alias/models" must be a KMS key ARN'),
      "  - noncurrentVersionExpirationDays must be a whole number of days, at least 1 (got 0)",
    ]);
  });

  it("rejects a prefix too long for Terraform's 26-character suffix", () => {
    expect(() => stackWith({ bucketPrefix: "a".repeat(38) })).toThrow(/must be 1-37 characters/);
  });
});
