import { Token } from "cdktf";
import { Construct } from "constructs";
import type { CloudfrontDistributionOrderedCacheBehaviorLambdaFunctionAssociation } from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import type { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import type { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { HandlerAsset } from "../build/asset";
import { formatBytes } from "../build/size-budget";
import type { HandlerBundle } from "../build/types";
import { CLOUDFRONT_CONTROL_REGION } from "../config/regions";
import { LOG_RETENTION_DAYS } from "../config/schema";
import { logWriteStatement } from "../defaults/iam";
import {
  EDGE_EVENT_TYPES,
  EDGE_FUNCTION_DEFAULTS,
  edgeEventLimits,
  edgeReplicaLogGroupName,
  edgeReplicaLogStatement,
  edgeTrustPolicy,
  FUNCTION_NAME_PATTERN,
  functionCodeProblems,
  lambdaLogGroupName,
  type EdgeEventType,
} from "../defaults/lambda";
import { declareEdgeFunction, EDGE_FIXES, RULES } from "../guardrails";
import { ProblemsError } from "../problems";
import { addExecutionRole } from "./execution-role";
import type { FunctionCode } from "./regional-function";

/** The edge zip, with its size: Lambda@Edge limits the compressed size per event type. */
export interface EdgeFunctionCode extends FunctionCode {
  readonly zipBytes: number;
}

/** The code props from what the build and `handlerAsset` return. */
export function edgeFunctionCode(asset: HandlerAsset, bundle: Pick<HandlerBundle, "zipBytes">): EdgeFunctionCode {
  return { filename: asset.path, sourceCodeHash: asset.sourceCodeHash, zipBytes: bundle.zipBytes };
}

export interface EdgeInferenceFunctionProps {
  readonly functionName: string;
  readonly code: EdgeFunctionCode;
  /** At most 10240 for origin events, 128 for viewer events. */
  readonly memoryMb: number;
  /** At most 30 s for origin events, 5 s for viewer events. */
  readonly timeoutSeconds: number;
  /** For the log groups created in us-east-1; replica groups in other regions are created by Lambda without one. */
  readonly logRetentionDays: number;
  /** The function's AWS account: the role may write only to this account's replica log groups. */
  readonly account: string;
  /** Must be pinned to us-east-1: pass the stack's `AwsProviders.usEast1`. */
  readonly provider: AwsProvider;
  /** The CloudFront event the function is associated with; origin-request when omitted. */
  readonly eventType?: EdgeEventType;
  readonly description?: string;
  /** Required by some organisations on every role they allow to be created. */
  readonly permissionsBoundaryArn?: string;
  /** Always rejected: Lambda@Edge has no environment variables. Settings belong in the bundle's runtime-config.json. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Always rejected: Lambda@Edge does not support layers. */
  readonly layers?: readonly string[];
  /** Only ["x86_64"] is accepted: Lambda@Edge does not support arm64. */
  readonly architectures?: readonly string[];
}

type LambdaFunctionAssociation = CloudfrontDistributionOrderedCacheBehaviorLambdaFunctionAssociation;

const ACCOUNT_ID = /^\d{12}$/;

function known<T>(value: T): boolean {
  return !Token.isUnresolved(value);
}

function wholeNumberIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

function allowedRange(min: number, max: number): string {
  return min === max ? `${max}` : `a whole number from ${min} to ${max}`;
}

/**
 * A Lambda@Edge function (origin-request by default) in us-east-1: published, so CloudFront is
 * given a numbered version (`qualifiedArn`); nodejs22.x on x86_64; no environment variables, no
 * layers and no X-Ray, none of which Lambda@Edge supports. Its role is trusted by lambda and
 * edgelambda and may only write logs: to its us-east-1 group and to the
 * `/aws/lambda/us-east-1.<name>` group that each replica creates in the region where it runs.
 *
 * Destroy is replica-safe: `skip_destroy` makes `terraform destroy` (or a replacement) drop the
 * function from state instead of deleting it, because Lambda refuses to delete a function while
 * CloudFront replicas of it exist, and AWS removes those only hours after the association is gone.
 * The function and its versions stay in the account; delete them by hand once the replicas are
 * gone (`aws lambda delete-function --region us-east-1 --function-name <name>`). The provider's
 * alternative, retrying the delete until `timeouts.delete`, would hold a destroy for hours.
 * There is no create_before_destroy: the name is fixed, so a second function could not coexist.
 */
export class EdgeInferenceFunction extends Construct {
  public readonly eventType: EdgeEventType;
  public readonly zipBytes: number;
  /** `/aws/lambda/<name>`: direct invocations in us-east-1 (console tests, not CloudFront). */
  public readonly logGroup: CloudwatchLogGroup;
  /** `/aws/lambda/us-east-1.<name>` in us-east-1: replicas that run in us-east-1. */
  public readonly replicaLogGroup: CloudwatchLogGroup;
  public readonly role: IamRole;
  public readonly rolePolicy: IamRolePolicy;
  public readonly function: LambdaFunction;
  public readonly functionName: string;
  /** Unqualified; CloudFront rejects it in an association. */
  public readonly arn: string;
  /** The published version's ARN (`...:function:<name>:<version>`): what a CloudFront association takes. */
  public readonly qualifiedArn: string;
  public readonly version: string;

  constructor(scope: Construct, id: string, props: EdgeInferenceFunctionProps) {
    super(scope, id);
    this.eventType = props.eventType ?? "origin-request";
    this.zipBytes = props.code.zipBytes;
    const problems = this.problems(props);
    if (problems.length > 0) throw new ProblemsError(problems);

    const { provider, functionName, logRetentionDays } = props;
    this.logGroup = new CloudwatchLogGroup(this, "log-group", {
      provider,
      name: lambdaLogGroupName(functionName),
      retentionInDays: logRetentionDays,
    });
    this.replicaLogGroup = new CloudwatchLogGroup(this, "replica-log-group", {
      provider,
      name: edgeReplicaLogGroupName(functionName),
      retentionInDays: logRetentionDays,
    });

    ({ role: this.role, rolePolicy: this.rolePolicy } = addExecutionRole(this, {
      provider,
      functionName,
      description: `Execution role of Lambda@Edge function ${functionName}`,
      assumeRolePolicy: edgeTrustPolicy(),
      permissionsBoundaryArn: props.permissionsBoundaryArn,
      statements: [
        { sid: "WriteOwnLogs", ...logWriteStatement(this.logGroup.arn) },
        { sid: "WriteReplicaLogs", ...edgeReplicaLogStatement(props.account, functionName) },
      ],
    }));

    this.function = new LambdaFunction(this, "function", {
      provider,
      functionName,
      description: props.description,
      role: this.role.arn,
      runtime: EDGE_FUNCTION_DEFAULTS.runtime,
      architectures: [...EDGE_FUNCTION_DEFAULTS.architectures],
      handler: EDGE_FUNCTION_DEFAULTS.handler,
      filename: props.code.filename,
      sourceCodeHash: props.code.sourceCodeHash,
      memorySize: props.memoryMb,
      timeout: props.timeoutSeconds,
      // Every code or configuration change publishes a new numbered version for CloudFront.
      publish: true,
      skipDestroy: true,
      // The first replicas must find their log group (with retention) and the permission to write to it.
      dependsOn: [this.logGroup, this.replicaLogGroup, this.rolePolicy],
    });
    declareEdgeFunction(this.function, { owner: this, eventType: this.eventType, zipBytes: props.code.zipBytes });

    this.functionName = this.function.functionName;
    this.arn = this.function.arn;
    this.qualifiedArn = this.function.qualifiedArn;
    this.version = this.function.version;
  }

  /**
   * The `lambda_function_association` block for a cache behavior: this function's event type and
   * published version. `includeBody` exposes the request body (request events only).
   */
  public association(options: { readonly includeBody?: boolean } = {}): LambdaFunctionAssociation {
    if (options.includeBody && !this.eventType.endsWith("-request")) {
      throw new ProblemsError([
        `${this.node.path}: lambda-at-edge/include-body: includeBody applies to viewer-request and origin-request functions only; this one is ${this.eventType}`,
      ]);
    }
    return {
      eventType: this.eventType,
      lambdaArn: this.qualifiedArn,
      ...(options.includeBody === undefined ? {} : { includeBody: options.includeBody }),
    };
  }

  private problems(props: EdgeInferenceFunctionProps): string[] {
    const problems: string[] = [];
    const add = (rule: string, message: string) => problems.push(`${this.node.path}: ${rule}: ${message}`);
    const { eventType } = this;
    if (!(EDGE_EVENT_TYPES as readonly string[]).includes(eventType)) {
      add("lambda-at-edge/event-type", `"${eventType}" is not a CloudFront event type; use one of ${EDGE_EVENT_TYPES.join(", ")}`);
      return problems;
    }
    const limits = edgeEventLimits(eventType);

    const region = props.provider.region;
    if (region !== CLOUDFRONT_CONTROL_REGION) {
      const where = region === undefined || !known(region) ? "a provider whose region is not pinned" : `a provider in ${region}`;
      add(RULES.edgeRegion, `Lambda@Edge functions must be created in ${CLOUDFRONT_CONTROL_REGION} but this one was given ${where}; pass the stack's AwsProviders.usEast1`);
    }
    if (Object.keys(props.environment ?? {}).length > 0) add(RULES.edgeEnvironment, EDGE_FIXES.environment);
    if ((props.layers ?? []).length > 0) add(RULES.edgeLayers, EDGE_FIXES.layers);
    const architectures = props.architectures ?? EDGE_FUNCTION_DEFAULTS.architectures;
    if (architectures.length !== 1 || architectures[0] !== "x86_64") add(RULES.edgeArchitecture, EDGE_FIXES.architecture);

    if (known(props.timeoutSeconds) && !wholeNumberIn(props.timeoutSeconds, 1, limits.maxTimeoutSeconds)) {
      add(RULES.edgeTimeout, `timeoutSeconds ${props.timeoutSeconds} must be ${allowedRange(1, limits.maxTimeoutSeconds)}, the Lambda@Edge ${eventType} limit`);
    }
    if (known(props.memoryMb) && !wholeNumberIn(props.memoryMb, 128, limits.maxMemoryMb)) {
      add(RULES.edgeMemory, `memoryMb ${props.memoryMb} must be ${allowedRange(128, limits.maxMemoryMb)}, the Lambda@Edge ${eventType} limit`);
    }
    const { zipBytes, filename, sourceCodeHash } = props.code;
    if (!Number.isInteger(zipBytes) || zipBytes <= 0) {
      add("lambda/code", `code.zipBytes ${zipBytes} must be the zip's size in bytes (HandlerBundle.zipBytes)`);
    } else if (zipBytes > limits.maxZipBytes) {
      add(RULES.edgeZipSize, `the zip is ${formatBytes(zipBytes)}, over the Lambda@Edge ${eventType} limit of ${formatBytes(limits.maxZipBytes)}; ${EDGE_FIXES.zipSize}`);
    }
    for (const problem of functionCodeProblems({ filename, sourceCodeHash }, (value) => !known(value))) add("lambda/code", problem);

    if (known(props.functionName) && !FUNCTION_NAME_PATTERN.test(props.functionName)) {
      add("lambda/function-name", `functionName "${props.functionName}" must be 1-64 characters of A-Z, a-z, 0-9, '-' or '_'`);
    }
    if (known(props.account) && !ACCOUNT_ID.test(props.account)) {
      add("lambda-at-edge/account", `account "${props.account}" must be the 12-digit AWS account id the function runs in (config "account")`);
    }
    if (!LOG_RETENTION_DAYS.includes(props.logRetentionDays)) {
      add("cloudwatch/log-retention", `logRetentionDays ${props.logRetentionDays} is not a CloudWatch retention period; use one of ${LOG_RETENTION_DAYS.join(", ")}`);
    }
    return problems;
  }
}
