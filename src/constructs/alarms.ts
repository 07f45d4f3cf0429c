import { CloudfrontMonitoringSubscription } from "@cdktf/provider-aws/lib/cloudfront-monitoring-subscription";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Annotations, Token, type TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { CLOUDFRONT_CONTROL_REGION } from "../config/regions";
import { ProblemsError } from "../problems";

/** When an alarm fires; the defaults page someone for a problem that lasts a few minutes, not for one bad request. */
export interface AlarmThresholds {
  /** Share of API requests answered with a 5xx (API Gateway's 5XXError, averaged), 0-1. */
  readonly api5xxErrorRate: number;
  /** p99 of API Gateway's Latency, in milliseconds. The integration timeout is 29 s. */
  readonly apiLatencyP99Ms: number;
  /** Regional Lambda Errors per period (crashes and timeouts; bad requests are 4xx, not errors). */
  readonly regionalFunctionErrors: number;
  /** Regional Lambda Throttles per period. */
  readonly regionalFunctionThrottles: number;
  /** CloudFront's 5xxErrorRate, in percent of viewer requests. */
  readonly distribution5xxErrorRatePercent: number;
  /** Lambda@Edge execution errors, invalid responses and throttles (LambdaExecutionError, LambdaValidationError, LambdaLimitExceededError) per period, each. */
  readonly edgeFunctionErrors: number;
}

export const DEFAULT_ALARM_THRESHOLDS: AlarmThresholds = {
  api5xxErrorRate: 0.05,
  apiLatencyP99Ms: 10_000,
  regionalFunctionErrors: 1,
  regionalFunctionThrottles: 1,
  distribution5xxErrorRatePercent: 5,
  edgeFunctionErrors: 1,
};

/** How long a breach must last: `datapointsToAlarm` of the last `evaluationPeriods` periods of `periodSeconds`. */
export interface AlarmEvaluation {
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
}

export const DEFAULT_ALARM_EVALUATION: AlarmEvaluation = { periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 3 };

/** Where alarms are sent: config.alarms. */
export interface AlarmNotification {
  /** Subscribed (after the recipient confirms) to a topic this construct creates in each region that needs one. */
  readonly email?: string;
  /** An existing topic; alarms in its region publish to it. */
  readonly snsTopicArn?: string;
}

/**
 * "customer-managed-key": each created topic is encrypted with its own KMS key whose policy lets
 * CloudWatch use it. The AWS managed key alias/aws/sns cannot serve: its key policy does not let
 * CloudWatch alarms call kms:GenerateDataKey and cannot be edited, so every notification would fail.
 * "none" leaves the topics unencrypted at rest (alarm names and metric values only); it is warned.
 */
export type TopicEncryption = "customer-managed-key" | "none";

export interface InferenceAlarmsProps {
  /** Prefixes every alarm, topic and key alias name; the topic policies accept alarms named `<namePrefix>-*` only. */
  readonly namePrefix: string;
  readonly account: string;
  readonly notify: AlarmNotification;
  /** The REST API and stage, as API Gateway's ApiName and Stage metric dimensions. */
  readonly api: { readonly apiName: string; readonly stageName: string };
  readonly regionalFunctionName: string;
  /** Omit until the distribution exists; its alarms and the monitoring subscription live in us-east-1. */
  readonly distribution?: {
    readonly distributionId: string;
    /** Whether a Lambda@Edge function is associated, which adds the edge error alarms. */
    readonly hasEdgeFunction: boolean;
  };
  readonly thresholds?: Partial<AlarmThresholds>;
  readonly evaluation?: Partial<AlarmEvaluation>;
  readonly topicEncryption?: TopicEncryption;
  /** The stack's regional provider: API Gateway and the regional Lambda publish their metrics there. */
  readonly regionalProvider: TerraformProvider;
  /** The us-east-1 provider, required with `distribution`: CloudFront publishes its metrics only there. */
  readonly usEast1Provider?: TerraformProvider;
}

const NAME_PREFIX = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const ACCOUNT = /^\d{12}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):[A-Za-z0-9_-]{1,256}$/;
const CLOUDWATCH_SERVICE = "cloudwatch.amazonaws.com";

/** What Terraform and the account's administrators need on an alarm topic's key; nobody needs to decrypt with it. */
export const KEY_ADMINISTRATION_ACTIONS: readonly string[] = [
  "kms:CancelKeyDeletion",
  "kms:CreateAlias",
  "kms:DeleteAlias",
  "kms:DescribeKey",
  "kms:DisableKey",
  "kms:DisableKeyRotation",
  "kms:EnableKey",
  "kms:EnableKeyRotation",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListKeyRotations",
  "kms:ListResourceTags",
  "kms:PutKeyPolicy",
  "kms:RotateKeyOnDemand",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateAlias",
  "kms:UpdateKeyDescription",
];

/**
 * CloudWatch alarms for the serving path, sent to SNS:
 *  - API Gateway 5XXError rate and p99 Latency on the stage, regional Lambda Errors and Throttles,
 *    in the stack's region;
 *  - CloudFront 5xxErrorRate, and the edge function's LambdaExecutionError, LambdaValidationError and LambdaLimitExceededError,
 *    in us-east-1 (dimensions DistributionId and Region=Global), where CloudFront publishes its metrics.
 *
 * Lambda@Edge runs replicas in the regions nearest the viewers, and each replica's AWS/Lambda metrics
 * (Errors, Throttles, Duration of `us-east-1.<function>`) and logs land in the region where it ran, so
 * no single-region alarm on them sees every error. The distribution's own counters of edge function
 * failures are global, which is why they are used here; they come with the distribution's additional
 * metrics, which `aws_cloudfront_monitoring_subscription` turns on (billed per metric).
 *
 * An alarm can only notify an SNS topic in its own region. A given topic is used in its region; any
 * other region that has alarms gets a topic of its own with the e-mail subscription, so a stack outside
 * us-east-1 has two topics. Missing data is not breaching: no traffic is not an outage.
 */
export class InferenceAlarms extends Construct {
  public readonly thresholds: AlarmThresholds;
  public readonly evaluation: AlarmEvaluation;
  /** Topics this construct created: "regional", and "us-east-1" when the stack's region is another. */
  public readonly topics: ReadonlyMap<"regional" | "us-east-1", AlarmTopic>;
  /** The topic ARN alarms in the stack's region publish to, and the one us-east-1 alarms publish to. */
  public readonly regionalTopicArn: string;
  public readonly usEast1TopicArn: string | undefined;
  /** Alarms by short name, e.g. "api-5xx-rate". */
  public readonly alarms: ReadonlyMap<string, CloudwatchMetricAlarm>;
  public readonly monitoringSubscription: CloudfrontMonitoringSubscription | undefined;

  constructor(scope: Construct, id: string, props: InferenceAlarmsProps) {
    super(scope, id);
    const thresholds: AlarmThresholds = { ...DEFAULT_ALARM_THRESHOLDS, ...definedOnly(props.thresholds ?? {}) };
    const evaluation: AlarmEvaluation = { ...DEFAULT_ALARM_EVALUATION, ...definedOnly(props.evaluation ?? {}) };
    const encryption = props.topicEncryption ?? "customer-managed-key";
    const regionalRegion = props.regionalProvider instanceof AwsProvider ? props.regionalProvider.region : undefined;
    const problems = [
      ...propProblems(props, regionalRegion),
      ...thresholdProblems(thresholds),
      ...evaluationProblems(evaluation),
    ];
    if (problems.length > 0) {
      throw new ProblemsError(problems.map((problem) => `InferenceAlarms ${this.node.path}: ${problem}`));
    }
    if (encryption === "none") {
      Annotations.of(this).addWarning(
        "topicEncryption is none: the alarm topics are not encrypted at rest; use customer-managed-key unless an organisation policy forbids new KMS keys",
      );
    }
    this.thresholds = thresholds;
    this.evaluation = evaluation;
    const { namePrefix, account } = props;
    const given = props.notify.snsTopicArn;
    const givenRegion = given === undefined ? undefined : SNS_TOPIC_ARN.exec(given)?.[1];

    const topics = new Map<"regional" | "us-east-1", AlarmTopic>();
    const topicIn = (key: "regional" | "us-east-1", region: string, provider: TerraformProvider): string => {
      if (given !== undefined && givenRegion === region) return given;
      const existing = topics.get(key);
      if (existing) return existing.topicArn;
      const topic = new AlarmTopic(this, key === "regional" ? "regional_topic" : "us_east_1_topic", {
        name: `${namePrefix}-alarms`,
        region,
        account,
        alarmNamePrefix: namePrefix,
        email: props.notify.email,
        encryption,
        provider,
      });
      topics.set(key, topic);
      return topic.topicArn;
    };
    const region = regionalRegion as string;
    this.regionalTopicArn = topicIn("regional", region, props.regionalProvider);

    const alarms = new Map<string, CloudwatchMetricAlarm>();
    const alarm = (
      name: string,
      settings: {
        description: string;
        namespace: string;
        metricName: string;
        dimensions: Record<string, string>;
        statistic?: "Sum" | "Average";
        extendedStatistic?: string;
        threshold: number;
        topicArn: string;
        provider: TerraformProvider;
      },
    ): void => {
      alarms.set(
        name,
        new CloudwatchMetricAlarm(this, name.replace(/-/g, "_"), {
          provider: settings.provider,
          alarmName: `${namePrefix}-${name}`,
          alarmDescription: settings.description,
          namespace: settings.namespace,
          metricName: settings.metricName,
          dimensions: settings.dimensions,
          statistic: settings.statistic,
          extendedStatistic: settings.extendedStatistic,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          threshold: settings.threshold,
          period: evaluation.periodSeconds,
          evaluationPeriods: evaluation.evaluationPeriods,
          datapointsToAlarm: evaluation.datapointsToAlarm,
          treatMissingData: "notBreaching",
          actionsEnabled: true,
          alarmActions: [settings.topicArn],
          okActions: [settings.topicArn],
        }),
      );
    };

    const regional = { topicArn: this.regionalTopicArn, provider: props.regionalProvider };
    const apiDimensions = { ApiName: props.api.apiName, Stage: props.api.stageName };
    alarm("api-5xx-rate", {
      ...regional,
      description: `Share of ${props.api.apiName}/${props.api.stageName} requests answered 5xx is at least ${thresholds.api5xxErrorRate}`,
      namespace: "AWS/ApiGateway",
      metricName: "5XXError",
      dimensions: apiDimensions,
      statistic: "Average",
      threshold: thresholds.api5xxErrorRate,
    });
    alarm("api-latency-p99", {
      ...regional,
      description: `p99 latency of ${props.api.apiName}/${props.api.stageName} is at least ${thresholds.apiLatencyP99Ms} ms`,
      namespace: "AWS/ApiGateway",
      metricName: "Latency",
      dimensions: apiDimensions,
      extendedStatistic: "p99",
      threshold: thresholds.apiLatencyP99Ms,
    });
    const functionDimensions = { FunctionName: props.regionalFunctionName };
    alarm("regional-function-errors", {
      ...regional,
      description: `Lambda ${props.regionalFunctionName} failed (crash, timeout or out of memory) at least ${thresholds.regionalFunctionErrors} times in a period`,
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: functionDimensions,
      statistic: "Sum",
      threshold: thresholds.regionalFunctionErrors,
    });
    alarm("regional-function-throttles", {
      ...regional,
      description: `Lambda ${props.regionalFunctionName} was throttled at least ${thresholds.regionalFunctionThrottles} times in a period`,
      namespace: "AWS/Lambda",
      metricName: "Throttles",
      dimensions: functionDimensions,
      statistic: "Sum",
      threshold: thresholds.regionalFunctionThrottles,
    });

    const distribution = props.distribution;
    if (distribution !== undefined && props.usEast1Provider !== undefined) {
      const usEast1Provider = props.usEast1Provider;
      this.usEast1TopicArn =
        region === CLOUDFRONT_CONTROL_REGION ? this.regionalTopicArn : topicIn("us-east-1", CLOUDFRONT_CONTROL_REGION, usEast1Provider);
      const global = { topicArn: this.usEast1TopicArn, provider: usEast1Provider };
      const distributionDimensions = { DistributionId: distribution.distributionId, Region: "Global" };
      alarm("distribution-5xx-rate", {
        ...global,
        description: `At least ${thresholds.distribution5xxErrorRatePercent}% of viewer requests to distribution ${distribution.distributionId} were answered 5xx`,
        namespace: "AWS/CloudFront",
        metricName: "5xxErrorRate",
        dimensions: distributionDimensions,
        statistic: "Average",
        threshold: thresholds.distribution5xxErrorRatePercent,
      });
      if (distribution.hasEdgeFunction) {
        this.monitoringSubscription = new CloudfrontMonitoringSubscription(this, "monitoring_subscription", {
          provider: usEast1Provider,
          distributionId: distribution.distributionId,
          monitoringSubscription: { realtimeMetricsSubscriptionConfig: { realtimeMetricsSubscriptionStatus: "Enabled" } },
        });
        alarm("edge-function-execution-errors", {
          ...global,
          description: `The Lambda@Edge function failed (exception, timeout) at least ${thresholds.edgeFunctionErrors} times in a period, in any region`,
          namespace: "AWS/CloudFront",
          metricName: "LambdaExecutionError",
          dimensions: distributionDimensions,
          statistic: "Sum",
          threshold: thresholds.edgeFunctionErrors,
        });
        alarm("edge-function-validation-errors", {
          ...global,
          description: `The Lambda@Edge function returned a response CloudFront rejected at least ${thresholds.edgeFunctionErrors} times in a period, in any region`,
          namespace: "AWS/CloudFront",
          metricName: "LambdaValidationError",
          dimensions: distributionDimensions,
          statistic: "Sum",
          threshold: thresholds.edgeFunctionErrors,
        });
        alarm("edge-function-throttles", {
          ...global,
          description: `The Lambda@Edge function was throttled (viewers got 503) at least ${thresholds.edgeFunctionErrors} times in a period, in any region`,
          namespace: "AWS/CloudFront",
          metricName: "LambdaLimitExceededError",
          dimensions: distributionDimensions,
          statistic: "Sum",
          threshold: thresholds.edgeFunctionErrors,
        });
      }
    }
    this.topics = topics;
    this.alarms = alarms;
  }
}

export interface AlarmTopicProps {
  readonly name: string;
  readonly region: string;
  readonly account: string;
  /** Only alarms named `<alarmNamePrefix>-*` in this account and region may publish. */
  readonly alarmNamePrefix: string;
  readonly email?: string;
  readonly encryption: TopicEncryption;
  readonly provider: TerraformProvider;
}

/** An SNS topic CloudWatch alarms of one region publish to, optionally KMS-encrypted, with an e-mail subscription. */
export class AlarmTopic extends Construct {
  public readonly key: KmsKey | undefined;
  public readonly keyAlias: KmsAlias | undefined;
  public readonly topic: SnsTopic;
  public readonly topicPolicy: SnsTopicPolicy;
  /** Pending until the recipient follows the link in AWS's confirmation e-mail. */
  public readonly emailSubscription: SnsTopicSubscription | undefined;
  public readonly topicArn: string;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const { provider, account, region } = props;
    const alarmArns = `arn:aws:cloudwatch:${region}:${account}:alarm:${props.alarmNamePrefix}-*`;

    if (props.encryption === "customer-managed-key") {
      this.key = new KmsKey(this, "key", {
        provider,
        description: `Encrypts SNS topic ${props.name} (CloudWatch alarm notifications)`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              // Management through IAM, action by action (no kms:*). PutKeyPolicy stays with the
              // account, so a missing action can always be added and the key never locks its owners out.
              Sid: "AllowAccountToAdministerKeyThroughIam",
              Effect: "Allow",
              Principal: { AWS: `arn:aws:iam::${account}:root` },
              Action: KEY_ADMINISTRATION_ACTIONS,
              Resource: "*",
            },
            {
              // The topic policy already limits publishing to this account's alarms; AWS does not
              // document the request context SNS uses on CloudWatch's behalf, so a condition here
              // could silently stop every notification.
              Sid: "AllowCloudWatchAlarmsToEncrypt",
              Effect: "Allow",
              Principal: { Service: CLOUDWATCH_SERVICE },
              Action: ["kms:Decrypt", "kms:GenerateDataKey"],
              Resource: "*",
            },
          ],
        }),
      });
      this.keyAlias = new KmsAlias(this, "key_alias", { provider, name: `alias/${props.name}`, targetKeyId: this.key.keyId });
    }

    this.topic = new SnsTopic(this, "topic", { provider, name: props.name, kmsMasterKeyId: this.key?.arn });
    this.topicArn = this.topic.arn;
    this.topicPolicy = new SnsTopicPolicy(this, "topic_policy", {
      provider,
      arn: this.topic.arn,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AllowThisStacksAlarmsToPublish",
            Effect: "Allow",
            Principal: { Service: CLOUDWATCH_SERVICE },
            Action: "sns:Publish",
            Resource: this.topic.arn,
            Condition: { ArnLike: { "aws:SourceArn": alarmArns } },
          },
        ],
      }),
    });
    this.emailSubscription =
      props.email === undefined
        ? undefined
        : new SnsTopicSubscription(this, "email", { provider, topicArn: this.topic.arn, protocol: "email", endpoint: props.email });
  }
}

function propProblems(props: InferenceAlarmsProps, regionalRegion: string | undefined): string[] {
  const problems: string[] = [];
  const known = (value: string): boolean => !Token.isUnresolved(value);
  if (known(props.namePrefix) && !NAME_PREFIX.test(props.namePrefix)) {
    problems.push(`namePrefix: "${props.namePrefix}" must be 1-64 characters of A-Z, a-z, 0-9, '-' and '_' (it names SNS topics and KMS aliases)`);
  }
  if (known(props.account) && !ACCOUNT.test(props.account)) {
    problems.push(`account: "${props.account}" must be a 12-digit AWS account id`);
  }
  if (regionalRegion === undefined || !known(regionalRegion)) {
    problems.push("regionalProvider: sets no literal region; pass AwsProviders.regional, whose region decides which SNS topic its alarms can use");
  }
  const { email, snsTopicArn } = props.notify;
  if (email === undefined && snsTopicArn === undefined) {
    problems.push("notify: set email or snsTopicArn so alarms reach someone");
  }
  if (email !== undefined && known(email) && !EMAIL.test(email)) {
    problems.push(`notify.email: "${email}" is not an e-mail address`);
  }
  const topicRegion = snsTopicArn === undefined || !known(snsTopicArn) ? undefined : SNS_TOPIC_ARN.exec(snsTopicArn)?.[1];
  if (snsTopicArn !== undefined && known(snsTopicArn) && topicRegion === undefined) {
    problems.push(`notify.snsTopicArn: "${snsTopicArn}" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)`);
  }
  if (props.distribution !== undefined) {
    const region = props.usEast1Provider instanceof AwsProvider ? props.usEast1Provider.region : undefined;
    if (props.usEast1Provider === undefined) {
      problems.push(`usEast1Provider: required with distribution, because CloudFront publishes its metrics only in ${CLOUDFRONT_CONTROL_REGION}; pass AwsProviders.usEast1`);
    } else if (region === undefined || (known(region) && region !== CLOUDFRONT_CONTROL_REGION)) {
      problems.push(
        `usEast1Provider: is in ${region ?? "no set region"}; CloudFront publishes its metrics only in ${CLOUDFRONT_CONTROL_REGION}, so pass AwsProviders.usEast1`,
      );
    }
  }
  // Alarm actions must be topics in the alarm's own region; without an e-mail no topic can be created.
  if (email === undefined && topicRegion !== undefined) {
    const needed = new Set<string>();
    if (regionalRegion !== undefined && known(regionalRegion)) needed.add(regionalRegion);
    if (props.distribution !== undefined) needed.add(CLOUDFRONT_CONTROL_REGION);
    const uncovered = [...needed].filter((region) => region !== topicRegion);
    if (uncovered.length > 0) {
      problems.push(
        `notify.snsTopicArn: is in ${topicRegion}, but alarms in ${uncovered.join(" and ")} can only publish to a topic in their own region; add notify.email so a topic is created there`,
      );
    }
  }
  return problems;
}

function thresholdProblems(thresholds: AlarmThresholds): string[] {
  const problems: string[] = [];
  const positive = (name: keyof AlarmThresholds, max?: number, unit = "") => {
    const value = thresholds[name];
    if (!(Number.isFinite(value) && value > 0 && (max === undefined || value <= max))) {
      problems.push(`thresholds.${name}: ${value} must be above 0${max === undefined ? "" : ` and at most ${max}${unit}`}`);
    }
  };
  positive("api5xxErrorRate", 1, " (a share of requests, not a percentage)");
  positive("apiLatencyP99Ms");
  positive("regionalFunctionErrors");
  positive("regionalFunctionThrottles");
  positive("distribution5xxErrorRatePercent", 100, " (percent)");
  positive("edgeFunctionErrors");
  return problems;
}

function evaluationProblems(evaluation: AlarmEvaluation): string[] {
  const problems: string[] = [];
  const { periodSeconds, evaluationPeriods, datapointsToAlarm } = evaluation;
  if (!(periodSeconds === 10 || periodSeconds === 30 || (Number.isInteger(periodSeconds) && periodSeconds >= 60 && periodSeconds % 60 === 0))) {
    problems.push(`evaluation.periodSeconds: ${periodSeconds} must be 10, 30 or a multiple of 60 (CloudWatch's alarm periods)`);
  }
  if (!(Number.isInteger(evaluationPeriods) && evaluationPeriods >= 1)) {
    problems.push(`evaluation.evaluationPeriods: ${evaluationPeriods} must be a whole number, at least 1`);
  }
  if (!(Number.isInteger(datapointsToAlarm) && datapointsToAlarm >= 1 && datapointsToAlarm <= evaluationPeriods)) {
    problems.push(`evaluation.datapointsToAlarm: ${datapointsToAlarm} must be a whole number from 1 to evaluationPeriods (${evaluationPeriods})`);
  }
  if (Number.isInteger(periodSeconds) && Number.isInteger(evaluationPeriods) && periodSeconds * evaluationPeriods > 86_400) {
    problems.push(`evaluation: periodSeconds × evaluationPeriods is ${periodSeconds * evaluationPeriods} s; CloudWatch evaluates at most one day`);
  }
  return problems;
}

function definedOnly<T extends object>(values: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
