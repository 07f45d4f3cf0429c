import { Annotations, Token, type TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import type { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import type { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import {
  logWriteStatement,
  serviceTrustPolicy,
  statementProblems,
  XRAY_WRITE_STATEMENT,
  type PolicyStatement,
} from "../defaults/iam";
import { functionCodeProblems, functionSettingsProblems, lambdaLogGroupName, REGIONAL_FUNCTION_DEFAULTS } from "../defaults/lambda";
import { addExecutionRole } from "./execution-role";

/** A deterministic deployment zip produced by the build. */
export interface FunctionCode {
  /** Path Terraform uploads from, e.g. `TerraformAsset({ type: AssetType.FILE }).path`. */
  readonly filename: string;
  /** Base64 sha256 of the zip's bytes, as Lambda reports CodeSha256. */
  readonly sourceCodeHash: string;
}

export interface RegionalFunctionProps {
  readonly functionName: string;
  readonly code: FunctionCode;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly logRetentionDays: number;
  /** Read access to the model bucket prefix (from the model store). Pass `[]` when the bundle carries its models. */
  readonly modelReadStatements: readonly PolicyStatement[];
  readonly description?: string;
  readonly environment?: Readonly<Record<string, string>>;
  /** Omit for unreserved concurrency. 0 stops every invocation. */
  readonly reservedConcurrency?: number;
  /** Required by some organisations on every role they allow to be created. */
  readonly permissionsBoundaryArn?: string;
  /** Adds an aws:SourceAccount condition so Lambda assumes the role only for this account's functions. */
  readonly trustSourceAccount?: string;
  readonly provider?: TerraformProvider;
}

/**
 * The regional inference Lambda: nodejs22.x on x86_64 with X-Ray, its own log group with retention,
 * and a role that can write to that group, send traces and read models, nothing more.
 */
export class RegionalFunction extends Construct {
  public readonly logGroup: CloudwatchLogGroup;
  public readonly role: IamRole;
  public readonly rolePolicy: IamRolePolicy;
  public readonly function: LambdaFunction;
  public readonly functionName: string;
  public readonly functionArn: string;
  public readonly invokeArn: string;

  constructor(scope: Construct, id: string, props: RegionalFunctionProps) {
    super(scope, id);
    const problems = [
      ...functionSettingsProblems(props, (value) => Token.isUnresolved(value)),
      ...statementProblems("modelReadStatements", props.modelReadStatements),
    ];
    problems.push(...functionCodeProblems(props.code, (value) => Token.isUnresolved(value)));
    if (problems.length > 0) {
      throw new Error(`RegionalFunction ${this.node.path}:\n${problems.join("\n")}`);
    }
    if (props.reservedConcurrency === 0) {
      Annotations.of(this).addWarning(
        `reservedConcurrency is 0: ${props.functionName} will reject every invocation until it is raised`,
      );
    }

    const provider = props.provider;
    this.logGroup = new CloudwatchLogGroup(this, "log-group", {
      provider,
      name: lambdaLogGroupName(props.functionName),
      retentionInDays: props.logRetentionDays,
    });

    ({ role: this.role, rolePolicy: this.rolePolicy } = addExecutionRole(this, {
      provider,
      functionName: props.functionName,
      description: `Execution role of Lambda function ${props.functionName}`,
      assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", { sourceAccount: props.trustSourceAccount }),
      permissionsBoundaryArn: props.permissionsBoundaryArn,
      statements: [
        { sid: "WriteOwnLogs", ...logWriteStatement(this.logGroup.arn) },
        { sid: "SendTraces", ...XRAY_WRITE_STATEMENT },
        ...props.modelReadStatements.map((statement, index) => ({ sid: `ReadModels${index}`, ...statement })),
      ],
    }));

    const environmentVariables = props.environment ?? {};
    this.function = new LambdaFunction(this, "function", {
      provider,
      functionName: props.functionName,
      description: props.description,
      role: this.role.arn,
      runtime: REGIONAL_FUNCTION_DEFAULTS.runtime,
      architectures: [...REGIONAL_FUNCTION_DEFAULTS.architectures],
      handler: REGIONAL_FUNCTION_DEFAULTS.handler,
      filename: props.code.filename,
      sourceCodeHash: props.code.sourceCodeHash,
      memorySize: props.memoryMb,
      timeout: props.timeoutSeconds,
      reservedConcurrentExecutions: props.reservedConcurrency,
      tracingConfig: { mode: REGIONAL_FUNCTION_DEFAULTS.tracingMode },
      loggingConfig: { logFormat: REGIONAL_FUNCTION_DEFAULTS.logFormat, logGroup: this.logGroup.name },
      environment: Object.keys(environmentVariables).length > 0 ? { variables: { ...environmentVariables } } : undefined,
      // Without these, the first invocation can create the log group (no retention) or run before it may write logs.
      dependsOn: [this.logGroup, this.rolePolicy],
    });

    this.functionName = this.function.functionName;
    this.functionArn = this.function.arn;
    this.invokeArn = this.function.invokeArn;
  }
}
