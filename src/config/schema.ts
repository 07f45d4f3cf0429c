import { z } from "zod";
import { AWS_REGIONS, CLOUDFRONT_CONTROL_REGION } from "./regions";

const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function isHostname(value: string): boolean {
  if (value.length > 253 || value.endsWith(".")) return false;
  const labels = value.split(".");
  return labels.length >= 2 && labels.every((label) => DNS_LABEL.test(label));
}

const hostname = z
  .string()
  .refine(isHostname, { message: "must be a lower-case DNS name such as api.example.com" });

const region = z.enum(AWS_REGIONS, {
  error: (issue) => `unknown AWS region ${JSON.stringify(issue.input)}; allowed: ${AWS_REGIONS.join(", ")}`,
});

const ttlSeconds = z.number().int().min(0).max(31_536_000);

const lambdaSettings = (maxTimeout: number, why: string) =>
  z.strictObject({
    memoryMb: z.number().int().min(128).max(10_240),
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(maxTimeout, { message: `must be at most ${maxTimeout} (${why})` }),
  });

export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export const SERVING_MODES = ["edge", "regional"] as const;
export type ServingMode = (typeof SERVING_MODES)[number];

export const PRICE_CLASSES = ["PriceClass_100", "PriceClass_200", "PriceClass_All"] as const;

/** Where CloudFront's standard logs (v2) go: a new private S3 bucket, or a CloudWatch Logs log group. Both in us-east-1. */
export const ACCESS_LOG_DESTINATIONS = ["s3", "cloudwatch"] as const;

const modelServing = z.strictObject({
  /** `edge`: inference in Lambda@Edge at origin-request, with the regional API as fallback. `regional`: API Gateway only. */
  serve: z.enum(SERVING_MODES),
});

const geoRestriction = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("none") }),
  z.strictObject({
    type: z.enum(["whitelist", "blacklist"]),
    locations: z
      .array(z.string().regex(/^[A-Z]{2}$/, { message: "must be an ISO 3166-1 alpha-2 code such as DE" }))
      .min(1),
  }),
]);

export const environmentConfigSchema = z
  .strictObject({
    appName: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, {
        message: "must be 3-32 characters of a-z, 0-9 and '-', starting with a letter",
      }),
    environment: z.string().regex(/^[a-z][a-z0-9]{0,9}$/, { message: "must be 1-10 characters of a-z and 0-9" }),
    account: z.string().regex(/^\d{12}$/, { message: "must be a 12-digit AWS account id, as a string" }),
    region,
    state: z.strictObject({
      bucket: z
        .string()
        .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: "must be a valid S3 bucket name (3-63 characters of a-z, 0-9, '.', '-')" }),
      key: z.string().min(1).regex(/^[^/].*\.tfstate$/, { message: "must be a relative key ending in .tfstate" }),
      region,
    }),
    models: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { message: "model names must be a-z, 0-9, '_' or '-'" }), modelServing)
      .refine((models) => Object.keys(models).length > 0, { message: "must list at least one model" }),
    lambda: z.strictObject({
      regional: lambdaSettings(29, "API Gateway's REST integration timeout is 29 s"),
      edge: lambdaSettings(30, "the Lambda@Edge origin-request limit"),
    }),
    api: z.strictObject({
      throttle: z.strictObject({
        rateLimit: z.number().positive().max(10_000),
        burstLimit: z.number().int().positive().max(5_000),
      }),
    }),
    cache: z.strictObject({
      minTtlSeconds: ttlSeconds,
      defaultTtlSeconds: ttlSeconds,
      maxTtlSeconds: ttlSeconds,
    }),
    distribution: z.strictObject({
      priceClass: z.enum(PRICE_CLASSES, {
        error: (issue) => `unknown price class ${JSON.stringify(issue.input)}; allowed: ${PRICE_CLASSES.join(", ")}`,
      }),
      geoRestriction,
      /** Optional: S3 when omitted. Logs are kept logRetentionDays either way. */
      accessLogs: z
        .strictObject({
          destination: z.enum(ACCESS_LOG_DESTINATIONS, {
            error: (issue) => `unknown access log destination ${JSON.stringify(issue.input)}; allowed: ${ACCESS_LOG_DESTINATIONS.join(", ")}`,
          }),
        })
        .default({ destination: "s3" }),
    }),
    domain: z
      .strictObject({
        zoneName: z
          .string({
            error: (issue) =>
              issue.input === undefined
                ? "is required with a custom domain: the public Route53 hosted zone that holds recordName, where the certificate's DNS validation record and the alias records go"
                : undefined,
          })
          .refine(isHostname, { message: "must be a lower-case DNS name such as example.com" }),
        recordName: hostname,
      })
      .optional(),
    waf: z.strictObject({
      enabled: z.boolean(),
      rateLimitPer5Minutes: z.number().int().min(10).max(2_000_000_000),
    }),
    alarms: z
      .strictObject({
        email: z.email().optional(),
        snsTopicArn: z
          .string()
          .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, { message: "must be an SNS topic ARN" })
          .optional(),
      })
      .refine((alarms) => alarms.email !== undefined || alarms.snsTopicArn !== undefined, {
        message: "set email or snsTopicArn so alarms reach someone",
      }),
    logRetentionDays: z
      .number()
      .int()
      .refine((days) => LOG_RETENTION_DAYS.includes(days), {
        message: `must be one of CloudWatch's retention periods: ${LOG_RETENTION_DAYS.join(", ")}`,
      }),
    modelBucket: z.strictObject({
      /** Omit for SSE-S3 (AES256). A customer-managed key ARN switches the bucket to SSE-KMS with a bucket key. */
      kmsKeyArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/, { message: "must be a KMS key ARN" })
        .optional(),
      noncurrentVersionExpirationDays: z.number().int().min(1).max(3650),
    }),
    tags: z.record(
      z.string().min(1).max(128),
      z.string().max(256),
    ),
  })
  .superRefine((config, ctx) => {
    const { minTtlSeconds, defaultTtlSeconds, maxTtlSeconds } = config.cache;
    if (!(minTtlSeconds <= defaultTtlSeconds && defaultTtlSeconds <= maxTtlSeconds)) {
      ctx.addIssue({
        code: "custom",
        path: ["cache"],
        message: `CloudFront requires minTtlSeconds <= defaultTtlSeconds <= maxTtlSeconds (got ${minTtlSeconds}, ${defaultTtlSeconds}, ${maxTtlSeconds})`,
      });
    }
    if (minTtlSeconds > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["cache", "minTtlSeconds"],
        message: "must be 0: above 0, CloudFront caches even responses marked Cache-Control: no-store (health checks, errors)",
      });
    }
    if (maxTtlSeconds === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["cache", "maxTtlSeconds"],
        message: "must be above 0: the inference cache policy keys on query strings and compression, which CloudFront refuses when every TTL is 0",
      });
    }
    if (config.api.throttle.burstLimit < config.api.throttle.rateLimit) {
      ctx.addIssue({
        code: "custom",
        path: ["api", "throttle", "burstLimit"],
        message: "must be at least rateLimit, or API Gateway rejects bursts below the steady rate",
      });
    }
    const { email, snsTopicArn } = config.alarms;
    const topicRegion = snsTopicArn?.split(":")[3];
    const alarmRegions = [...new Set([config.region, CLOUDFRONT_CONTROL_REGION])];
    const uncovered = alarmRegions.filter((alarmRegion) => alarmRegion !== topicRegion);
    if (email === undefined && topicRegion !== undefined && uncovered.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["alarms", "snsTopicArn"],
        message: `is in ${topicRegion}, but alarms in ${uncovered.join(" and ")} can only notify a topic in their own region (CloudFront's alarms live in ${CLOUDFRONT_CONTROL_REGION}); add alarms.email so a topic is created in each region that needs one`,
      });
    }
    const domain = config.domain;
    const recordOutsideZone =
      domain && isHostname(domain.recordName) && domain.recordName !== domain.zoneName && !domain.recordName.endsWith(`.${domain.zoneName}`);
    if (domain && recordOutsideZone) {
      ctx.addIssue({
        code: "custom",
        path: ["domain", "recordName"],
        message: `must be ${domain.zoneName} or a name inside it, because the Route53 alias and the DNS validation records go into that zone`,
      });
    }
  });

export type EnvironmentConfig = z.infer<typeof environmentConfigSchema>;
