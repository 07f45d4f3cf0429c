import { CloudfrontMonitoringSubscription } from "@cdktf/provider-aws/lib/cloudfront-monitoring-subscription";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { TerraformStack, Testing } from "cdktf";
import { synthWarnings } from "./assertions";
import { InferenceAlarms, type InferenceAlarmsProps } from "../../src/constructs/alarms";
import { addGuardrails } from "../../src/guardrails";
import "cdktf/lib/testing/adapters/jest";
import { problemsOf } from "../problems";

type Json = Record<string, any>;

const EXISTING_TOPIC = "arn:aws:sns:eu-west-1:111111111111:oncall";

function setup(overrides: Partial<InferenceAlarmsProps> = {}, regions = { regional: "eu-west-1", usEast1: "us-east-1" }) {
  const stack = new TerraformStack(Testing.app(), "test");
  const regionalProvider = new AwsProvider(stack, "aws", { region: regions.regional });
  const usEast1Provider = new AwsProvider(stack, "us_east_1", { region: regions.usEast1, alias: "us_east_1" });
  const alarms = new InferenceAlarms(stack, "alarms", {
    namePrefix: "edge-inference-dev",
    account: "111111111111",
    notify: { email: "oncall@example.com" },
    api: { apiName: "edge-inference-dev-inference", stageName: "dev" },
    regionalFunctionName: "edge-inference-dev-inference",
    distribution: { distributionId: "E2QWRUHAPOMQZL", hasEdgeFunction: true },
    regionalProvider,
    usEast1Provider,
    ...overrides,
  });
  const text = Testing.synth(stack, true);
  return { stack, alarms, text, json: JSON.parse(text) as Json };
}

function alarmsByName(json: Json): Record<string, Json> {
  return Object.fromEntries(Object.values(json.resource.aws_cloudwatch_metric_alarm as Record<string, Json>).map((alarm) => [alarm.alarm_name, alarm]));
}

function topicsByProvider(json: Json): Record<string, string> {
  return Object.fromEntries(
    Object.entries(json.resource.aws_sns_topic as Record<string, Json>).map(([id, topic]) => [topic.provider, `\${aws_sns_topic.${id}.arn}`]),
  );
}

describe("InferenceAlarms in a region other than us-east-1", () => {
  const { json, text, stack, alarms } = setup();
  const byName = alarmsByName(json);
  const topics = topicsByProvider(json);

  it("alarms on the API stage's 5xx rate and p99 latency, in the stack's region", () => {
    expect(byName["edge-inference-dev-api-5xx-rate"]).toMatchObject({
      namespace: "AWS/ApiGateway",
      metric_name: "5XXError",
      dimensions: { ApiName: "edge-inference-dev-inference", Stage: "dev" },
      statistic: "Average",
      threshold: 0.05,
      provider: "aws",
    });
    const latency = byName["edge-inference-dev-api-latency-p99"];
    expect(latency).toMatchObject({
      namespace: "AWS/ApiGateway",
      metric_name: "Latency",
      dimensions: { ApiName: "edge-inference-dev-inference", Stage: "dev" },
      extended_statistic: "p99",
      threshold: 10000,
      provider: "aws",
    });
    expect(latency).not.toHaveProperty("statistic");
  });

  it("alarms on the regional function's errors and throttles, in the stack's region", () => {
    for (const [name, metric] of [
      ["edge-inference-dev-regional-function-errors", "Errors"],
      ["edge-inference-dev-regional-function-throttles", "Throttles"],
    ]) {
      expect(byName[name]).toMatchObject({
        namespace: "AWS/Lambda",
        metric_name: metric,
        dimensions: { FunctionName: "edge-inference-dev-inference" },
        statistic: "Sum",
        threshold: 1,
        provider: "aws",
      });
    }
  });

  it("alarms on the distribution's 5xx rate and the edge function's failures in us-east-1, with Region=Global", () => {
    const dimensions = { DistributionId: "E2QWRUHAPOMQZL", Region: "Global" };
    expect(byName["edge-inference-dev-distribution-5xx-rate"]).toMatchObject({
      namespace: "AWS/CloudFront",
      metric_name: "5xxErrorRate",
      dimensions,
      statistic: "Average",
      threshold: 5,
      provider: "aws.us_east_1",
    });
    for (const [name, metric] of [
      ["edge-inference-dev-edge-function-execution-errors", "LambdaExecutionError"],
      ["edge-inference-dev-edge-function-validation-errors", "LambdaValidationError"],
      ["edge-inference-dev-edge-function-throttles", "LambdaLimitExceededError"],
    ]) {
      expect(byName[name]).toMatchObject({ namespace: "AWS/CloudFront", metric_name: metric, dimensions, statistic: "Sum", provider: "aws.us_east_1" });
    }
  });

  it("turns on the distribution's additional metrics, which carry the edge function error counts", () => {
    expect(text).toHaveResourceWithProperties(CloudfrontMonitoringSubscription, {
      distribution_id: "E2QWRUHAPOMQZL",
      monitoring_subscription: { realtime_metrics_subscription_config: { realtime_metrics_subscription_status: "Enabled" } },
      provider: "aws.us_east_1",
    });
    expect(alarms.monitoringSubscription).toBeDefined();
  });

  it("evaluates 3 of 5 one-minute periods, treats missing data as fine, and notifies on alarm and recovery", () => {
    expect(Object.keys(byName)).toHaveLength(8);
    for (const alarm of Object.values(byName)) {
      expect(alarm).toMatchObject({
        comparison_operator: "GreaterThanOrEqualToThreshold",
        period: 60,
        evaluation_periods: 5,
        datapoints_to_alarm: 3,
        treat_missing_data: "notBreaching",
        actions_enabled: true,
      });
      expect(alarm.ok_actions).toEqual(alarm.alarm_actions);
    }
  });

  it("creates a topic in each region with alarms, because an alarm can only notify a topic in its own region", () => {
    expect(Object.keys(topics).sort()).toEqual(["aws", "aws.us_east_1"]);
    for (const alarm of Object.values(byName)) expect(alarm.alarm_actions).toEqual([topics[alarm.provider]]);
    expect(alarms.regionalTopicArn).not.toBe(alarms.usEast1TopicArn);
    expect([...alarms.topics.keys()]).toEqual(["regional", "us-east-1"]);
  });

  it("subscribes the e-mail address to both topics", () => {
    const subscriptions = Object.values(json.resource.aws_sns_topic_subscription as Record<string, Json>);
    expect(subscriptions.map((subscription) => [subscription.provider, subscription.topic_arn]).sort()).toEqual(
      Object.entries(topics).sort(),
    );
    expect(text).toHaveResourceWithProperties(SnsTopicSubscription, { protocol: "email", endpoint: "oncall@example.com" });
  });

  it("encrypts each topic with its own rotating KMS key that CloudWatch may use (aws/sns would not let it)", () => {
    const keys = json.resource.aws_kms_key as Record<string, Json>;
    expect(Object.keys(keys)).toHaveLength(2);
    expect(text).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true, deletion_window_in_days: 30 });
    for (const [id, key] of Object.entries(keys)) {
      const policy = JSON.parse(key.policy);
      expect(policy.Statement).toEqual([
        {
          Sid: "AllowAccountToAdministerKeyThroughIam",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::111111111111:root" },
          Action: expect.arrayContaining(["kms:PutKeyPolicy", "kms:DescribeKey", "kms:ScheduleKeyDeletion", "kms:EnableKeyRotation"]),
          Resource: "*",
        },
        {
          Sid: "AllowCloudWatchAlarmsToEncrypt",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey"],
          Resource: "*",
        },
      ]);
      const actions: string[] = policy.Statement.flatMap((statement: Json) => statement.Action);
      expect(actions.filter((action) => action.includes("*"))).toEqual([]);
      expect(actions).not.toContain("kms:Encrypt");
      const topic = Object.values(json.resource.aws_sns_topic as Record<string, Json>).find((candidate) => candidate.provider === key.provider);
      expect(topic).toMatchObject({ name: "edge-inference-dev-alarms", kms_master_key_id: `\${aws_kms_key.${id}.arn}` });
    }
    const aliases = Object.values(json.resource.aws_kms_alias as Record<string, Json>).map((alias) => alias.name);
    expect(aliases).toEqual(["alias/edge-inference-dev-alarms", "alias/edge-inference-dev-alarms"]);
  });

  it("lets only this stack's alarms, in the topic's region and account, publish", () => {
    const patterns = Object.values(json.resource.aws_sns_topic_policy as Record<string, Json>).map((policy) => {
      const [statement] = JSON.parse(policy.policy).Statement;
      expect(statement).toMatchObject({ Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: "sns:Publish" });
      return statement.Condition.ArnLike["aws:SourceArn"];
    });
    expect(patterns.sort()).toEqual([
      "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:edge-inference-dev-*",
      "arn:aws:cloudwatch:us-east-1:111111111111:alarm:edge-inference-dev-*",
    ]);
  });

  it("emits no warnings with the defaults", () => {
    expect(synthWarnings(stack)).toEqual([]);
  });

  it("passes the project's guardrails (no whole-service actions in the key or topic policies)", () => {
    const { stack: guarded } = setup();
    addGuardrails(guarded);
    expect(() => Testing.synth(guarded, true)).not.toThrow();
  });
});

describe("InferenceAlarms topic placement", () => {
  it("uses one topic for everything when the stack is in us-east-1", () => {
    const { json } = setup({}, { regional: "us-east-1", usEast1: "us-east-1" });
    const topics = Object.values(topicsByProvider(json));
    expect(topics).toHaveLength(1);
    for (const alarm of Object.values(alarmsByName(json))) expect(alarm.alarm_actions).toEqual(topics);
  });

  it("uses a given topic in its region and creates one only where it is missing", () => {
    const { json, alarms } = setup({ notify: { email: "oncall@example.com", snsTopicArn: EXISTING_TOPIC } });
    const topics = topicsByProvider(json);
    expect(Object.keys(topics)).toEqual(["aws.us_east_1"]);
    for (const alarm of Object.values(alarmsByName(json))) {
      expect(alarm.alarm_actions).toEqual([alarm.provider === "aws" ? EXISTING_TOPIC : topics["aws.us_east_1"]]);
    }
    expect(alarms.regionalTopicArn).toBe(EXISTING_TOPIC);
  });

  it("has no us-east-1 resources until the distribution is given", () => {
    const { json, alarms } = setup({ distribution: undefined });
    expect(Object.values(alarmsByName(json)).map((alarm) => alarm.provider)).toEqual(["aws", "aws", "aws", "aws"]);
    expect(Object.keys(topicsByProvider(json))).toEqual(["aws"]);
    expect(json.resource).not.toHaveProperty("aws_cloudfront_monitoring_subscription");
    expect(alarms.usEast1TopicArn).toBeUndefined();
  });

  it("skips the edge alarms and the monitoring subscription when no edge function is attached", () => {
    const { json } = setup({ distribution: { distributionId: "E2QWRUHAPOMQZL", hasEdgeFunction: false } });
    expect(Object.keys(alarmsByName(json))).not.toContain("edge-inference-dev-edge-function-execution-errors");
    expect(Object.keys(alarmsByName(json))).toContain("edge-inference-dev-distribution-5xx-rate");
    expect(json.resource).not.toHaveProperty("aws_cloudfront_monitoring_subscription");
  });

  it("leaves topics unencrypted only when asked, with a warning", () => {
    const { json, stack } = setup({ topicEncryption: "none" });
    expect(json.resource).not.toHaveProperty("aws_kms_key");
    for (const topic of Object.values(json.resource.aws_sns_topic as Record<string, Json>)) expect(topic).not.toHaveProperty("kms_master_key_id");
    expect(synthWarnings(stack)).toEqual([expect.stringContaining("topicEncryption is none")]);
  });

  it("applies named threshold and evaluation overrides", () => {
    const { json } = setup({ thresholds: { apiLatencyP99Ms: 3000 }, evaluation: { periodSeconds: 300, evaluationPeriods: 3, datapointsToAlarm: 2 } });
    const latency = alarmsByName(json)["edge-inference-dev-api-latency-p99"];
    expect(latency).toMatchObject({ threshold: 3000, period: 300, evaluation_periods: 3, datapoints_to_alarm: 2 });
    expect(alarmsByName(json)["edge-inference-dev-api-5xx-rate"].threshold).toBe(0.05);
  });
});

describe("InferenceAlarms misuse", () => {
  it("refuses a given topic that alarms in other regions cannot reach when no e-mail can get a topic created", () => {
    expect(problemsOf(() => setup({ notify: { snsTopicArn: EXISTING_TOPIC } }))).toEqual([
      "InferenceAlarms test/alarms: notify.snsTopicArn: is in eu-west-1, but alarms in us-east-1 can only publish to a topic in their own region; add notify.email so a topic is created there",
    ]);
  });

  it("refuses alarms that reach no one, and a us-east-1 provider that is not in us-east-1", () => {
    expect(problemsOf(() => setup({ notify: {} }, { regional: "eu-west-1", usEast1: "eu-west-1" }))).toEqual([
      "InferenceAlarms test/alarms: notify: set email or snsTopicArn so alarms reach someone",
      "InferenceAlarms test/alarms: usEast1Provider: is in eu-west-1; CloudFront publishes its metrics only in us-east-1, so pass AwsProviders.usEast1",
    ]);
  });

  it("requires the us-east-1 provider with a distribution", () => {
    expect(problemsOf(() => setup({ usEast1Provider: undefined }))).toEqual([
      expect.stringContaining("usEast1Provider: required with distribution, because CloudFront publishes its metrics only in us-east-1"),
    ]);
  });

  it("reports bad names, thresholds and evaluation settings at once", () => {
    const problems = problemsOf(() =>
      setup({
        namePrefix: "edge inference",
        account: "12",
        notify: { email: "not-an-address" },
        thresholds: { api5xxErrorRate: 5, distribution5xxErrorRatePercent: 0 },
        evaluation: { periodSeconds: 45, evaluationPeriods: 2, datapointsToAlarm: 3 },
      }),
    );
    expect(problems.map((problem) => problem.replace("InferenceAlarms test/alarms: ", ""))).toEqual([
      expect.stringMatching(/^namePrefix: "edge inference" must be/),
      'account: "12" must be a 12-digit AWS account id',
      'notify.email: "not-an-address" is not an e-mail address',
      "thresholds.api5xxErrorRate: 5 must be above 0 and at most 1 (a share of requests, not a percentage)",
      "thresholds.distribution5xxErrorRatePercent: 0 must be above 0 and at most 100 (percent)",
      "evaluation.periodSeconds: 45 must be 10, 30 or a multiple of 60 (CloudWatch's alarm periods)",
      "evaluation.datapointsToAlarm: 3 must be a whole number from 1 to evaluationPeriods (2)",
    ]);
  });
});
