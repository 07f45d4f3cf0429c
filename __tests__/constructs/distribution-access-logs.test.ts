import { CloudwatchLogDeliverySource } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery-source";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { TerraformStack, Testing } from "cdktf";
import { expectPrivateBucketBaseline, onlyEntry, synthWarnings } from "./assertions";
import { DistributionAccessLogs, type DistributionAccessLogsProps } from "../../src/constructs/distribution-access-logs";
import { addGuardrails } from "../../src/guardrails";
import "cdktf/lib/testing/adapters/jest";
import { problemsOf } from "../problems";

type Json = Record<string, any>;

const DISTRIBUTION_ARN = "arn:aws:cloudfront::111111111111:distribution/E2QWRUHAPOMQZL";

function setup(overrides: Partial<DistributionAccessLogsProps> = {}, region = "us-east-1") {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const provider = new AwsProvider(stack, "us_east_1", { region, alias: "us_east_1" });
  const logs = new DistributionAccessLogs(stack, "access_logs", {
    name: "edge-inference-dev",
    account: "111111111111",
    distributionArn: DISTRIBUTION_ARN,
    retentionDays: 30,
    provider,
    ...overrides,
  });
  const text = Testing.synth(stack, true);
  return { stack, logs, text, json: JSON.parse(text) as Json };
}


function everyBlockProvider(json: Json): string[] {
  const blocks = [...Object.values(json.resource ?? {}), ...Object.values(json.data ?? {})] as Record<string, Json>[];
  return blocks.flatMap((byName) => Object.values(byName).map((block) => block.provider));
}

describe("DistributionAccessLogs to S3 (the default)", () => {
  const { logs, text, json, stack } = setup();
  const [sourceId] = onlyEntry(json.resource.aws_cloudwatch_log_delivery_source);
  const [bucketId] = onlyEntry(json.resource.aws_s3_bucket);
  const [destinationId, destination] = onlyEntry(json.resource.aws_cloudwatch_log_delivery_destination);
  const [, delivery] = onlyEntry(json.resource.aws_cloudwatch_log_delivery);
  const bucketArn = `\${aws_s3_bucket.${bucketId}.arn}`;
  const sourceArn = `\${aws_cloudwatch_log_delivery_source.${sourceId}.arn}`;

  it("declares the distribution's ACCESS_LOGS as a delivery source (standard logging v2)", () => {
    expect(text).toHaveResourceWithProperties(CloudwatchLogDeliverySource, {
      name: "edge-inference-dev-cloudfront",
      log_type: "ACCESS_LOGS",
      resource_arn: DISTRIBUTION_ARN,
    });
    expect(logs.destinationType).toBe("s3");
  });

  it("delivers JSON logs to a new private bucket", () => {
    expect(destination).toMatchObject({
      name: "edge-inference-dev-cloudfront-s3",
      output_format: "json",
      delivery_destination_configuration: [{ destination_resource_arn: bucketArn }],
    });
    expect(text).toHaveResourceWithProperties(S3Bucket, { bucket_prefix: "edge-inference-dev-cf-logs-", force_destroy: false });
    expectPrivateBucketBaseline(text);
    expect(text).not.toHaveResource(CloudwatchLogGroup);
  });

  it("connects source and destination only once the bucket policy allows the delivery", () => {
    const [policyId] = onlyEntry(json.resource.aws_s3_bucket_policy);
    expect(delivery).toEqual({
      delivery_source_name: `\${aws_cloudwatch_log_delivery_source.${sourceId}.name}`,
      delivery_destination_arn: `\${aws_cloudwatch_log_delivery_destination.${destinationId}.arn}`,
      depends_on: [`aws_s3_bucket_policy.${policyId}`],
      provider: "aws.us_east_1",
    });
  });

  it("lets delivery.logs.amazonaws.com write only for this account's delivery source, owner-enforced", () => {
    const [, document] = onlyEntry(json.data.aws_iam_policy_document);
    const statements = document.statement as Json[];
    expect(statements.map((statement) => statement.sid)).toEqual(["DenyInsecureTransport", "AllowLogDeliveryWrite", "AllowLogDeliveryAclCheck"]);
    const onlyThisDelivery = [
      { test: "StringEquals", variable: "aws:SourceAccount", values: ["111111111111"] },
      { test: "ArnLike", variable: "aws:SourceArn", values: [sourceArn] },
    ];
    expect(statements[1]).toEqual({
      sid: "AllowLogDeliveryWrite",
      effect: "Allow",
      principals: [{ type: "Service", identifiers: ["delivery.logs.amazonaws.com"] }],
      actions: ["s3:PutObject"],
      resources: [`${bucketArn}/*`],
      condition: [{ test: "StringEquals", variable: "s3:x-amz-acl", values: ["bucket-owner-full-control"] }, ...onlyThisDelivery],
    });
    expect(statements[2]).toEqual({
      sid: "AllowLogDeliveryAclCheck",
      effect: "Allow",
      principals: [{ type: "Service", identifiers: ["delivery.logs.amazonaws.com"] }],
      actions: ["s3:GetBucketAcl", "s3:ListBucket"],
      resources: [bucketArn],
      condition: onlyThisDelivery,
    });
  });

  it("expires logs after the retention, noncurrent copies a day later, and clears the delete markers", () => {
    const [, lifecycle] = onlyEntry(json.resource.aws_s3_bucket_lifecycle_configuration);
    expect(lifecycle.rule).toEqual([
      {
        id: "expire-access-logs",
        status: "Enabled",
        filter: [{}],
        expiration: [{ days: 30 }],
        noncurrent_version_expiration: [{ noncurrent_days: 1 }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
      },
      { id: "remove-expired-delete-markers", status: "Enabled", filter: [{}], expiration: [{ expired_object_delete_marker: true }] },
    ]);
    const [versioningId] = onlyEntry(json.resource.aws_s3_bucket_versioning);
    expect(lifecycle.depends_on).toEqual([`aws_s3_bucket_versioning.${versioningId}`]);
  });

  it("passes the project's guardrails with either destination", () => {
    for (const destination of ["s3", "cloudwatch"] as const) {
      const guarded = new TerraformStack(Testing.app(), "guarded");
      const provider = new AwsProvider(guarded, "us_east_1", { region: "us-east-1", alias: "us_east_1" });
      new DistributionAccessLogs(guarded, "access_logs", { name: "edge-inference-dev", account: "111111111111", distributionArn: DISTRIBUTION_ARN, destination, retentionDays: 14, provider });
      addGuardrails(guarded);
      expect(() => Testing.synth(guarded, true)).not.toThrow();
    }
  });

  it("puts everything in us-east-1 and emits no warnings", () => {
    const providers = everyBlockProvider(json);
    expect(providers.length).toBeGreaterThanOrEqual(11);
    expect(new Set(providers)).toEqual(new Set(["aws.us_east_1"]));
    expect(synthWarnings(stack)).toEqual([]);
  });
});

describe("DistributionAccessLogs to CloudWatch Logs", () => {
  const { logs, text, json } = setup({ destination: "cloudwatch", retentionDays: 14 });
  const [sourceId] = onlyEntry(json.resource.aws_cloudwatch_log_delivery_source);
  const [groupId] = onlyEntry(json.resource.aws_cloudwatch_log_group);
  const [policyId, policy] = onlyEntry(json.resource.aws_cloudwatch_log_resource_policy);

  it("delivers to a vended-logs log group with retention, and creates no bucket", () => {
    expect(text).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: "/aws/vendedlogs/cloudfront/edge-inference-dev",
      retention_in_days: 14,
      provider: "aws.us_east_1",
    });
    const [, destination] = onlyEntry(json.resource.aws_cloudwatch_log_delivery_destination);
    expect(destination).toMatchObject({
      name: "edge-inference-dev-cloudfront-logs",
      output_format: "json",
      delivery_destination_configuration: [{ destination_resource_arn: `\${aws_cloudwatch_log_group.${groupId}.arn}` }],
    });
    expect(text).not.toHaveResource(S3Bucket);
    expect(logs.bucket).toBeUndefined();
  });

  it("lets log delivery write streams of that group only, for this account's delivery source, before the delivery exists", () => {
    expect(policy.policy_name).toBe("edge-inference-dev-cloudfront-access-logs");
    expect(JSON.parse(policy.policy_document)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AllowLogDeliveryWrite",
          Effect: "Allow",
          Principal: { Service: "delivery.logs.amazonaws.com" },
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: `\${aws_cloudwatch_log_group.${groupId}.arn}:log-stream:*`,
          Condition: {
            StringEquals: { "aws:SourceAccount": "111111111111" },
            ArnLike: { "aws:SourceArn": `\${aws_cloudwatch_log_delivery_source.${sourceId}.arn}` },
          },
        },
      ],
    });
    const [, delivery] = onlyEntry(json.resource.aws_cloudwatch_log_delivery);
    expect(delivery.depends_on).toEqual([`aws_cloudwatch_log_resource_policy.${policyId}`]);
  });
});

describe("DistributionAccessLogs misuse", () => {
  it("refuses a provider outside us-east-1, in one line naming the construct, the rule and the fix", () => {
    expect(problemsOf(() => setup({}, "eu-west-1"))).toEqual([
      "DistributionAccessLogs test/access_logs: provider: is in eu-west-1; CloudFront delivers access logs only through CloudWatch Logs in us-east-1, so pass the us-east-1 provider (AwsProviders.usEast1)",
    ]);
  });

  it("reports every bad prop at once", () => {
    expect(
      problemsOf(() =>
        setup({
          name: "Edge-Inference-Development-Environment",
          account: "1111",
          distributionArn: "E2QWRUHAPOMQZL",
          destination: "cloudwatch",
          retentionDays: 10,
        }),
      ),
    ).toEqual([
      expect.stringContaining('name: "Edge-Inference-Development-Environment" must be 1-44 characters of a-z, 0-9 and \'-\''),
      'DistributionAccessLogs test/access_logs: account: "1111" must be a 12-digit AWS account id',
      expect.stringContaining('distributionArn: "E2QWRUHAPOMQZL" is not a CloudFront distribution ARN'),
      expect.stringContaining("retentionDays: 10 is not a CloudWatch Logs retention period; use one of 1, 3, 5, 7, 14"),
    ]);
  });

  it("fits the longest name the config allows (appName and environment) into the bucket prefix", () => {
    const name = `${"a".repeat(32)}-${"b".repeat(10)}`;
    const { json } = setup({ name });
    const [, bucket] = onlyEntry(json.resource.aws_s3_bucket);
    expect(bucket.bucket_prefix).toBe(`${"a".repeat(28)}-cf-logs-`);
    const [, source] = onlyEntry(json.resource.aws_cloudwatch_log_delivery_source);
    expect(source.name).toBe(`${name}-cloudfront`);
  });

  it("accepts any whole number of days for S3, but not zero", () => {
    expect(() => setup({ retentionDays: 10 })).not.toThrow();
    expect(problemsOf(() => setup({ retentionDays: 0 }))).toEqual([
      "DistributionAccessLogs test/access_logs: retentionDays: must be a whole number of days, at least 1 (got 0)",
    ]);
  });

  it("refuses an unknown destination", () => {
    expect(problemsOf(() => setup({ destination: "firehose" as never }))).toEqual([
      'DistributionAccessLogs test/access_logs: destination: "firehose" is not supported; use s3 or cloudwatch',
    ]);
  });
});
