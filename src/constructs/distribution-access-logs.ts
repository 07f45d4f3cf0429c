import { CloudwatchLogDelivery } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery";
import { CloudwatchLogDeliveryDestination } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery-destination";
import { CloudwatchLogDeliverySource } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery-source";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogResourcePolicy } from "@cdktf/provider-aws/lib/cloudwatch-log-resource-policy";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { Token, type ITerraformDependable, type TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { CLOUDFRONT_CONTROL_REGION } from "../config/regions";
import { ACCESS_LOG_DESTINATIONS, LOG_RETENTION_DAYS } from "../config/schema";
import { ABORT_INCOMPLETE_UPLOAD_DAYS } from "../defaults/s3";
import { ProblemsError } from "../problems";
import { PrivateBucket } from "./private-bucket";

export type AccessLogDestination = (typeof ACCESS_LOG_DESTINATIONS)[number];

/** CloudWatch Logs' service principal for vended logs, which writes CloudFront's standard logs (v2). */
export const LOG_DELIVERY_SERVICE = "delivery.logs.amazonaws.com";
export const ACCESS_LOGS_FORMAT = "json";
export const LOG_DELIVERY_WRITE_SID = "AllowLogDeliveryWrite";
export const LOG_DELIVERY_ACL_CHECK_SID = "AllowLogDeliveryAclCheck";
/** A replaced log object becomes noncurrent; one day later it is gone, so retention means retention. */
export const NONCURRENT_LOG_DAYS = 1;

export interface DistributionAccessLogsProps {
  /** Prefixes the delivery source and destination names, the bucket and the log group: up to 44 of a-z, 0-9 and '-'. */
  readonly name: string;
  /** The account the distribution and the destination belong to; the delivery is refused for any other. */
  readonly account: string;
  /** The distribution whose access logs are delivered (`arn:aws:cloudfront::<account>:distribution/<id>`). */
  readonly distributionArn: string;
  /** A new private S3 bucket (default), or a CloudWatch Logs log group. */
  readonly destination?: AccessLogDestination;
  /** Days a log object (S3) or log event (CloudWatch, one of its retention periods) is kept. */
  readonly retentionDays: number;
  /** The us-east-1 provider: CloudFront delivers its logs through CloudWatch Logs in us-east-1 only. */
  readonly provider: TerraformProvider;
}

// Delivery source and destination names allow 60 characters, and "-cloudfront-logs" takes 16.
const NAME = /^[a-z0-9][a-z0-9-]{0,43}$/;
// S3 allows 37 characters of bucket prefix before Terraform's 26-character suffix.
const BUCKET_PREFIX_NAME_LENGTH = 37 - "-cf-logs-".length;
const ACCOUNT = /^\d{12}$/;
const DISTRIBUTION_ARN = /^arn:aws[a-z-]*:cloudfront::\d{12}:distribution\/[A-Z0-9]+$/;

/**
 * CloudFront standard logging (v2): a delivery source for the distribution's ACCESS_LOGS, a delivery
 * destination (a private bucket, or a log group) and the delivery between them, all in us-east-1.
 *
 * Legacy logging (`logging_config` on the distribution) writes with S3 ACLs, which new buckets refuse
 * (BucketOwnerEnforced), so it is not used. The destination's resource policy lets
 * delivery.logs.amazonaws.com write only on behalf of this delivery source and this account, and is in
 * place before the delivery is created: CreateDelivery would otherwise append its own statement to the
 * policy, which Terraform would then report as drift and remove.
 */
export class DistributionAccessLogs extends Construct {
  public readonly destinationType: AccessLogDestination;
  public readonly deliverySource: CloudwatchLogDeliverySource;
  public readonly deliveryDestination: CloudwatchLogDeliveryDestination;
  public readonly delivery: CloudwatchLogDelivery;
  /** Present when the destination is S3. */
  public readonly bucket: PrivateBucket | undefined;
  public readonly bucketLifecycle: S3BucketLifecycleConfiguration | undefined;
  /** Present when the destination is CloudWatch Logs. */
  public readonly logGroup: CloudwatchLogGroup | undefined;
  public readonly logResourcePolicy: CloudwatchLogResourcePolicy | undefined;

  constructor(scope: Construct, id: string, props: DistributionAccessLogsProps) {
    super(scope, id);
    const destination = props.destination ?? "s3";
    const problems = propProblems(props, destination);
    if (problems.length > 0) {
      throw new ProblemsError(problems.map((problem) => `DistributionAccessLogs ${this.node.path}: ${problem}`));
    }
    const { provider, name, account } = props;
    this.destinationType = destination;

    this.deliverySource = new CloudwatchLogDeliverySource(this, "source", {
      provider,
      name: `${name}-cloudfront`,
      logType: "ACCESS_LOGS",
      resourceArn: props.distributionArn,
    });
    const sourceArn = this.deliverySource.arn;

    let destinationArn: string;
    let permission: ITerraformDependable;
    if (destination === "s3") {
      this.bucket = new PrivateBucket(this, "bucket", { bucketPrefix: `${name.slice(0, BUCKET_PREFIX_NAME_LENGTH)}-cf-logs-`, provider });
      this.bucketLifecycle = new S3BucketLifecycleConfiguration(this, "lifecycle", {
        provider,
        bucket: this.bucket.bucket.id,
        rule: [
          {
            id: "expire-access-logs",
            status: "Enabled",
            filter: [{}],
            expiration: [{ days: props.retentionDays }],
            noncurrentVersionExpiration: [{ noncurrentDays: NONCURRENT_LOG_DAYS }],
            abortIncompleteMultipartUpload: [{ daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS }],
          },
          {
            // Expiring a current version in a versioned bucket leaves a delete marker; S3 does not
            // accept this clean-up in the same expiration block as `days`.
            id: "remove-expired-delete-markers",
            status: "Enabled",
            filter: [{}],
            expiration: [{ expiredObjectDeleteMarker: true }],
          },
        ],
        dependsOn: [this.bucket.versioning],
      });
      const onlyThisDelivery = [
        { test: "StringEquals", variable: "aws:SourceAccount", values: [account] },
        { test: "ArnLike", variable: "aws:SourceArn", values: [sourceArn] },
      ];
      const bucketArn = this.bucket.bucket.arn;
      this.bucket.addToResourcePolicy({
        sid: LOG_DELIVERY_WRITE_SID,
        effect: "Allow",
        principals: [{ type: "Service", identifiers: [LOG_DELIVERY_SERVICE] }],
        actions: ["s3:PutObject"],
        resources: [`${bucketArn}/*`],
        conditions: [{ test: "StringEquals", variable: "s3:x-amz-acl", values: ["bucket-owner-full-control"] }, ...onlyThisDelivery],
      });
      // Log delivery reads the bucket ACL and lists the bucket before it writes; without this grant
      // every delivery leaves AccessDenied entries in CloudTrail.
      this.bucket.addToResourcePolicy({
        sid: LOG_DELIVERY_ACL_CHECK_SID,
        effect: "Allow",
        principals: [{ type: "Service", identifiers: [LOG_DELIVERY_SERVICE] }],
        actions: ["s3:GetBucketAcl", "s3:ListBucket"],
        resources: [bucketArn],
        conditions: onlyThisDelivery,
      });
      destinationArn = bucketArn;
      permission = this.bucket.policy;
    } else {
      this.logGroup = new CloudwatchLogGroup(this, "log_group", {
        provider,
        // Under /aws/vendedlogs/ by AWS's convention for logs services deliver, so one resource policy pattern covers them.
        name: `/aws/vendedlogs/cloudfront/${name}`,
        retentionInDays: props.retentionDays,
      });
      this.logResourcePolicy = new CloudwatchLogResourcePolicy(this, "resource_policy", {
        provider,
        policyName: `${name}-cloudfront-access-logs`,
        policyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: LOG_DELIVERY_WRITE_SID,
              Effect: "Allow",
              Principal: { Service: LOG_DELIVERY_SERVICE },
              Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
              Resource: `${this.logGroup.arn}:log-stream:*`,
              Condition: {
                StringEquals: { "aws:SourceAccount": account },
                ArnLike: { "aws:SourceArn": sourceArn },
              },
            },
          ],
        }),
      });
      destinationArn = this.logGroup.arn;
      permission = this.logResourcePolicy;
    }

    this.deliveryDestination = new CloudwatchLogDeliveryDestination(this, "destination", {
      provider,
      name: `${name}-cloudfront-${destination === "s3" ? "s3" : "logs"}`,
      outputFormat: ACCESS_LOGS_FORMAT,
      deliveryDestinationConfiguration: [{ destinationResourceArn: destinationArn }],
    });

    this.delivery = new CloudwatchLogDelivery(this, "delivery", {
      provider,
      deliverySourceName: this.deliverySource.name,
      deliveryDestinationArn: this.deliveryDestination.arn,
      dependsOn: [permission],
    });
  }
}

function propProblems(props: DistributionAccessLogsProps, destination: AccessLogDestination): string[] {
  const problems: string[] = [];
  const known = (value: string | number): boolean => !Token.isUnresolved(value);
  const region = props.provider instanceof AwsProvider ? props.provider.region : undefined;
  const fix = `pass the ${CLOUDFRONT_CONTROL_REGION} provider (AwsProviders.usEast1)`;
  if (region === undefined) {
    problems.push(`provider: sets no region; CloudFront delivers access logs only through CloudWatch Logs in ${CLOUDFRONT_CONTROL_REGION}, so ${fix}`);
  } else if (known(region) && region !== CLOUDFRONT_CONTROL_REGION) {
    problems.push(`provider: is in ${region}; CloudFront delivers access logs only through CloudWatch Logs in ${CLOUDFRONT_CONTROL_REGION}, so ${fix}`);
  }
  if (!(ACCESS_LOG_DESTINATIONS as readonly string[]).includes(destination)) {
    problems.push(`destination: "${destination}" is not supported; use ${ACCESS_LOG_DESTINATIONS.join(" or ")}`);
  }
  if (known(props.name) && !NAME.test(props.name)) {
    problems.push(
      `name: "${props.name}" must be 1-44 characters of a-z, 0-9 and '-' (it prefixes the delivery names, which allow 60, and an S3 bucket name)`,
    );
  }
  if (known(props.account) && !ACCOUNT.test(props.account)) {
    problems.push(`account: "${props.account}" must be a 12-digit AWS account id`);
  }
  if (known(props.distributionArn) && !DISTRIBUTION_ARN.test(props.distributionArn)) {
    problems.push(`distributionArn: "${props.distributionArn}" is not a CloudFront distribution ARN (arn:aws:cloudfront::<account>:distribution/<id>)`);
  }
  const days = props.retentionDays;
  if (known(days)) {
    if (destination === "cloudwatch" && !LOG_RETENTION_DAYS.includes(days)) {
      problems.push(`retentionDays: ${days} is not a CloudWatch Logs retention period; use one of ${LOG_RETENTION_DAYS.join(", ")}`);
    } else if (!(Number.isInteger(days) && days >= 1)) {
      problems.push(`retentionDays: must be a whole number of days, at least 1 (got ${days})`);
    }
  }
  return problems;
}
