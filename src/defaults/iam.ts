/** One IAM Allow statement, as a model store or another construct hands it to a role. */
export interface PolicyStatement {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly {
    readonly Sid?: string;
    readonly Effect: "Allow";
    readonly Principal?: { readonly Service: string };
    readonly Action: string | readonly string[];
    readonly Resource?: readonly string[];
    readonly Condition?: Record<string, Record<string, string>>;
  }[];
}

/**
 * Trust policy that lets exactly one AWS service assume a role. With `sourceAccount`, the service
 * may assume it only on behalf of resources in that account (confused-deputy protection).
 */
export function serviceTrustPolicy(service: string, options: { sourceAccount?: string } = {}): string {
  const document: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        ...(options.sourceAccount ? { Condition: { StringEquals: { "aws:SourceAccount": options.sourceAccount } } } : {}),
      },
    ],
  };
  return JSON.stringify(document);
}

/** An identity policy granting exactly the given statements; Sids are optional labels for plan review. */
export function allowPolicy(statements: readonly (PolicyStatement & { sid?: string })[]): string {
  const document: PolicyDocument = {
    Version: "2012-10-17",
    Statement: statements.map((statement) => ({
      ...(statement.sid ? { Sid: statement.sid } : {}),
      Effect: "Allow",
      Action: [...statement.actions],
      Resource: [...statement.resources],
    })),
  };
  return JSON.stringify(document);
}

/**
 * The provider's `aws_cloudwatch_log_group.arn` has no `:*` suffix; CreateLogStream and PutLogEvents
 * are authorised against the streams inside the group, which this pattern names.
 */
export function logStreamsArn(logGroupArn: string): string {
  return `${logGroupArn}:*`;
}

/** Write access to one log group's streams, and nothing else (no logs:CreateLogGroup). */
export function logWriteStatement(logGroupArn: string): PolicyStatement {
  return { actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [logStreamsArn(logGroupArn)] };
}

/** X-Ray's write actions support no resource-level permissions, so `*` is the only valid resource. */
export const XRAY_WRITE_STATEMENT: PolicyStatement = {
  actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
  resources: ["*"],
};

/**
 * Problems with statements supplied by a caller: a wildcard action or resource would widen a role
 * beyond what the construct promises. Returns one line per problem.
 */
export function statementProblems(label: string, statements: readonly PolicyStatement[]): string[] {
  const problems: string[] = [];
  statements.forEach((statement, index) => {
    const where = `${label}[${index}]`;
    if (statement.actions.length === 0) problems.push(`${where}.actions: is empty; list the actions the function needs`);
    if (statement.resources.length === 0) problems.push(`${where}.resources: is empty; list the ARNs the actions apply to`);
    for (const action of statement.actions) {
      if (action.includes("*")) {
        problems.push(`${where}.actions: "${action}" is a wildcard; list each action explicitly (e.g. s3:GetObject)`);
      } else if (!/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(action)) {
        problems.push(`${where}.actions: "${action}" is not an IAM action; use service:Action such as s3:GetObject`);
      }
    }
    for (const resource of statement.resources) {
      if (resource === "*") {
        problems.push(`${where}.resources: "*" grants every resource; name the bucket or prefix ARN instead`);
      }
    }
  });
  return problems;
}

/** The AWS-managed policy that lets API Gateway create log groups/streams and write to them (account-level setting). */
export const API_GATEWAY_PUSH_TO_CLOUDWATCH_POLICY_ARN =
  "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs";
