import { EDGE_ZIP_LIMIT_BYTES } from "../build/size-budget";
import { LOG_RETENTION_DAYS } from "../config/schema";
import type { PolicyStatement } from "./iam";

/** Runtime settings every regional function gets; the construct forces these, props cannot change them. */
export const REGIONAL_FUNCTION_DEFAULTS = {
  runtime: "nodejs22.x",
  architectures: ["x86_64"],
  handler: "index.handler",
  tracingMode: "Active",
  /** The handlers write their own JSON lines (handlers/core/logger.ts); Text keeps them exactly as written. */
  logFormat: "Text",
} as const;

/** Lambda sets these itself; a function that tries to is rejected by the API at deploy time. */
const RESERVED_ENVIRONMENT_KEYS = new Set([
  "_HANDLER",
  "_X_AMZN_TRACE_ID",
  "AWS_DEFAULT_REGION",
  "AWS_REGION",
  "AWS_EXECUTION_ENV",
  "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
  "AWS_LAMBDA_FUNCTION_VERSION",
  "AWS_LAMBDA_INITIALIZATION_TYPE",
  "AWS_LAMBDA_LOG_GROUP_NAME",
  "AWS_LAMBDA_LOG_STREAM_NAME",
  "AWS_ACCESS_KEY",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_LAMBDA_RUNTIME_API",
  "LAMBDA_TASK_ROOT",
  "LAMBDA_RUNTIME_DIR",
]);

/** Log group Lambda writes to when the function does not name another one. */
export function lambdaLogGroupName(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}

export interface FunctionSettings {
  readonly functionName: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly logRetentionDays: number;
  readonly reservedConcurrency?: number;
  readonly environment?: Readonly<Record<string, string>>;
}

/** What the Lambda API accepts as a function name. */
export const FUNCTION_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const BASE64_SHA256 = /^[A-Za-z0-9+/]{43}=$/;

/** A deployment zip that cannot be deployed as given, one line each (`code.<field>: ...`). */
export function functionCodeProblems(code: { readonly filename: string; readonly sourceCodeHash: string }, isToken: (value: string) => boolean): string[] {
  const problems: string[] = [];
  if (!isToken(code.filename) && code.filename.trim() === "") {
    problems.push("code.filename: is empty; pass the zip's asset path from the build step");
  }
  if (!isToken(code.sourceCodeHash) && !BASE64_SHA256.test(code.sourceCodeHash)) {
    problems.push(
      `code.sourceCodeHash: "${code.sourceCodeHash}" is not a base64 sha256 (44 characters ending in '='); pass HandlerBundle.sourceCodeHash, or createHash("sha256").update(zip).digest("base64")`,
    );
  }
  return problems;
}

/** Values outside what the Lambda API accepts, one line each, so synth fails before terraform apply does. */
export function functionSettingsProblems(settings: FunctionSettings, isToken: (value: string) => boolean): string[] {
  const problems: string[] = [];
  const { functionName, memoryMb, timeoutSeconds, logRetentionDays, reservedConcurrency, environment } = settings;
  if (!isToken(functionName) && !FUNCTION_NAME_PATTERN.test(functionName)) {
    problems.push(`functionName: "${functionName}" must be 1-64 characters of A-Z, a-z, 0-9, '-' or '_'`);
  }
  if (!Number.isInteger(memoryMb) || memoryMb < 128 || memoryMb > 10_240) {
    problems.push(`memoryMb: ${memoryMb} must be a whole number from 128 to 10240`);
  }
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 900) {
    problems.push(`timeoutSeconds: ${timeoutSeconds} must be a whole number from 1 to 900`);
  }
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    problems.push(`logRetentionDays: ${logRetentionDays} is not a CloudWatch retention period; use one of ${LOG_RETENTION_DAYS.join(", ")}`);
  }
  if (reservedConcurrency !== undefined && (!Number.isInteger(reservedConcurrency) || reservedConcurrency < 0)) {
    problems.push(`reservedConcurrency: ${reservedConcurrency} must be a whole number >= 0 (omit it for unreserved concurrency)`);
  }
  for (const key of Object.keys(environment ?? {})) {
    if (RESERVED_ENVIRONMENT_KEYS.has(key)) {
      problems.push(`environment.${key}: is reserved by Lambda; choose another name`);
    } else if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(key)) {
      problems.push(`environment.${key}: must start with a letter and contain only letters, digits and '_'`);
    }
  }
  return problems;
}

/** CloudFront events a Lambda@Edge function can be associated with. */
export const EDGE_EVENT_TYPES = ["viewer-request", "origin-request", "origin-response", "viewer-response"] as const;
export type EdgeEventType = (typeof EDGE_EVENT_TYPES)[number];

export interface EdgeEventLimits {
  readonly maxTimeoutSeconds: number;
  readonly maxMemoryMb: number;
  /** "Maximum compressed size of a Lambda function and any included libraries". */
  readonly maxZipBytes: number;
}

/**
 * CloudFront's Lambda@Edge quotas, which differ by event type (CloudFront Developer Guide, "Quotas on
 * Lambda@Edge"): origin events get Lambda's own memory range, 30 s and a 50 MB zip; viewer events
 * 128 MB, 5 s and 1 MB.
 */
export function edgeEventLimits(eventType: EdgeEventType): EdgeEventLimits {
  return eventType.startsWith("viewer-")
    ? { maxTimeoutSeconds: 5, maxMemoryMb: 128, maxZipBytes: 1024 * 1024 }
    : { maxTimeoutSeconds: 30, maxMemoryMb: 10_240, maxZipBytes: EDGE_ZIP_LIMIT_BYTES };
}

/**
 * What every Lambda@Edge function gets. Same runtime and handler as the regional function; x86_64
 * because Lambda@Edge rejects arm64. No tracing mode: Lambda@Edge does not support X-Ray.
 */
export const EDGE_FUNCTION_DEFAULTS = {
  runtime: REGIONAL_FUNCTION_DEFAULTS.runtime,
  architectures: ["x86_64"],
  handler: REGIONAL_FUNCTION_DEFAULTS.handler,
} as const;

/**
 * Replicas log to a group of this name in the region where they run (us-east-1 included), created
 * on first use. Lambda creates it without retention.
 */
export function edgeReplicaLogGroupName(functionName: string): string {
  return `/aws/lambda/us-east-1.${functionName}`;
}

/** CloudFront replicates the function only if both Lambda and Lambda@Edge may assume its role. */
export const EDGE_TRUST_SERVICES = ["edgelambda.amazonaws.com", "lambda.amazonaws.com"] as const;

export function edgeTrustPolicy(): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: [...EDGE_TRUST_SERVICES] }, Action: "sts:AssumeRole" }],
  });
}

/**
 * Replica log groups in every region: `*` in the region field only, nothing wider. CreateLogGroup is
 * authorised against the `:*` form of the group ARN, like the stream actions.
 */
export function edgeReplicaLogStatement(account: string, functionName: string): PolicyStatement {
  return {
    actions: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
    resources: [`arn:aws:logs:*:${account}:log-group:${edgeReplicaLogGroupName(functionName)}:*`],
  };
}
