import { LOG_RETENTION_DAYS } from "../config/schema";

/** Runtime settings every regional function gets; the construct forces these, props cannot change them. */
export const REGIONAL_FUNCTION_DEFAULTS = {
  runtime: "nodejs22.x",
  architectures: ["x86_64"],
  handler: "index.handler",
  tracingMode: "Active",
  /** Powertools Logger formats its own JSON lines; Text keeps them exactly as the handler wrote them. */
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

/** Values outside what the Lambda API accepts, one line each, so synth fails before terraform apply does. */
export function functionSettingsProblems(settings: FunctionSettings, isToken: (value: string) => boolean): string[] {
  const problems: string[] = [];
  const { functionName, memoryMb, timeoutSeconds, logRetentionDays, reservedConcurrency, environment } = settings;
  if (!isToken(functionName) && !/^[A-Za-z0-9_-]{1,64}$/.test(functionName)) {
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
