import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AssetType, TerraformAsset, TerraformStack, Testing, Token } from "cdktf";
import { zipSync, strToU8 } from "fflate";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { RegionalFunction, type RegionalFunctionProps } from "../../src/constructs/regional-function";
// Brings the cdktf jest matcher types (registered at runtime by __tests__/setup.ts) into scope.
import "cdktf/lib/testing/adapters/jest";
import { onlyResource } from "./assertions";

const MODEL_READ = {
  actions: ["s3:GetObject"],
  resources: ["arn:aws:s3:::edge-inference-models-dev/models/*"],
};

let workDir: string;
let zipPath: string;
let zipHash: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), "regional-function-"));
  const handler = 'exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ path: event.path }) });\n';
  // A fixed mtime keeps the zip bytes, and so its hash, identical on every run.
  const zip = zipSync({ "index.js": [strToU8(handler), { mtime: new Date("1980-01-01T00:00:00Z") }] });
  zipPath = join(workDir, "regional.zip");
  writeFileSync(zipPath, zip);
  zipHash = createHash("sha256").update(zip).digest("base64");
});

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function build(overrides: Partial<RegionalFunctionProps> = {}) {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const asset = new TerraformAsset(stack, "regional-code", { path: zipPath, type: AssetType.FILE });
  const fn = new RegionalFunction(stack, "regional", {
    functionName: "edge-inference-dev-regional",
    code: { filename: asset.path, sourceCodeHash: zipHash },
    memoryMb: 1024,
    timeoutSeconds: 15,
    logRetentionDays: 14,
    modelReadStatements: [MODEL_READ],
    ...overrides,
  });
  const synthesized = Testing.synth(stack, true);
  return { stack, fn, synthesized, json: JSON.parse(synthesized) as Record<string, any> };
}


describe("RegionalFunction", () => {
  test("runs nodejs22.x on x86_64 with X-Ray, from the zip and its real hash", () => {
    const { synthesized, json } = build();
    expect(synthesized).toHaveResourceWithProperties(LambdaFunction, {
      function_name: "edge-inference-dev-regional",
      runtime: "nodejs22.x",
      architectures: ["x86_64"],
      handler: "index.handler",
      memory_size: 1024,
      timeout: 15,
      source_code_hash: zipHash,
      tracing_config: { mode: "Active" },
    });
    const lambda = onlyResource(json, "aws_lambda_function")[1];
    expect(lambda.filename).toMatch(/regional\.zip$/);
    expect(lambda.environment).toBeUndefined();
    expect(lambda.reserved_concurrent_executions).toBeUndefined();
  });

  test("writes to its own log group with retention, created before the function", () => {
    const { synthesized, json } = build();
    expect(synthesized).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: "/aws/lambda/edge-inference-dev-regional",
      retention_in_days: 14,
    });
    const logGroupAddress = `aws_cloudwatch_log_group.${Object.keys(json.resource.aws_cloudwatch_log_group)[0]}`;
    const policyAddress = `aws_iam_role_policy.${Object.keys(json.resource.aws_iam_role_policy)[0]}`;
    const lambda = onlyResource(json, "aws_lambda_function")[1];
    expect(lambda.depends_on).toEqual(expect.arrayContaining([logGroupAddress, policyAddress]));
    expect(lambda.logging_config).toEqual({ log_format: "Text", log_group: `\${${logGroupAddress}.name}` });
  });

  test("role is trusted by Lambda only and grants exactly logs, X-Ray and model reads", () => {
    const { json } = build();
    const role = onlyResource(json, "aws_iam_role")[1];
    expect(role.managed_policy_arns).toBeUndefined();
    const trust = JSON.parse(role.assume_role_policy);
    expect(trust.Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    expect(json.resource.aws_iam_role_policy_attachment).toBeUndefined();

    const logGroupAddress = `aws_cloudwatch_log_group.${Object.keys(json.resource.aws_cloudwatch_log_group)[0]}`;
    const policy = JSON.parse(onlyResource(json, "aws_iam_role_policy")[1].policy);
    expect(policy.Statement).toEqual([
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [`\${${logGroupAddress}.arn}:*`],
      },
      { Sid: "SendTraces", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: ["*"] },
      { Sid: "ReadModels0", Effect: "Allow", Action: ["s3:GetObject"], Resource: [MODEL_READ.resources[0]] },
    ]);
    const actions: string[] = policy.Statement.flatMap((statement: { Action: string[] }) => statement.Action);
    expect(actions.some((action) => action.includes("*"))).toBe(false);
    expect(actions).not.toContain("logs:CreateLogGroup");
  });

  test("attaches no AWS-managed policy", () => {
    const { synthesized } = build();
    expect(synthesized).not.toMatch(/arn:aws:iam::aws:policy\//);
    expect(synthesized).not.toMatch(/FullAccess/);
  });

  test("optional settings: environment, reserved concurrency, source-account trust, permissions boundary", () => {
    const { synthesized, json } = build({
      environment: { POWERTOOLS_SERVICE_NAME: "inference" },
      reservedConcurrency: 20,
      trustSourceAccount: "111111111111",
      permissionsBoundaryArn: "arn:aws:iam::111111111111:policy/boundary",
    });
    expect(synthesized).toHaveResourceWithProperties(LambdaFunction, {
      environment: { variables: { POWERTOOLS_SERVICE_NAME: "inference" } },
      reserved_concurrent_executions: 20,
    });
    const role = onlyResource(json, "aws_iam_role")[1];
    expect(role.permissions_boundary).toBe("arn:aws:iam::111111111111:policy/boundary");
    expect(JSON.parse(role.assume_role_policy).Statement[0].Condition).toEqual({
      StringEquals: { "aws:SourceAccount": "111111111111" },
    });
  });

  test("reserved concurrency 0 is allowed but warned about", () => {
    const { fn } = build({ reservedConcurrency: 0 });
    const warnings = fn.node.metadata.filter((entry) => entry.type === "@cdktf/warn").map((entry) => String(entry.data));
    expect(warnings).toEqual([expect.stringContaining("reject every invocation")]);
  });

  test("exposes what it creates", () => {
    const { fn } = build();
    expect(fn.function).toBeInstanceOf(LambdaFunction);
    expect(fn.role).toBeInstanceOf(IamRole);
    expect(fn.rolePolicy).toBeInstanceOf(IamRolePolicy);
    expect(fn.logGroup).toBeInstanceOf(CloudwatchLogGroup);
    expect(Token.isUnresolved(fn.invokeArn)).toBe(true);
  });

  test("misuse fails synth once, one line per problem", () => {
    let message = "";
    try {
      build({
        functionName: "has spaces",
        memoryMb: 64,
        timeoutSeconds: 0,
        logRetentionDays: 10,
        code: { filename: zipPath, sourceCodeHash: "not-a-hash" },
        environment: { AWS_REGION: "eu-west-1" },
        modelReadStatements: [{ actions: ["s3:*"], resources: ["*"] }],
      });
    } catch (error) {
      message = (error as Error).message;
    }
    const lines = message.split("\n");
    expect(lines[0]).toMatch(/^RegionalFunction test\/regional:$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^functionName: /),
      expect.stringMatching(/^memoryMb: 64 /),
      expect.stringMatching(/^timeoutSeconds: 0 /),
      expect.stringMatching(/^logRetentionDays: 10 /),
      expect.stringMatching(/^environment\.AWS_REGION: is reserved/),
      expect.stringMatching(/^modelReadStatements\[0\]\.actions: "s3:\*" is a wildcard/),
      expect.stringMatching(/^modelReadStatements\[0\]\.resources: "\*"/),
      expect.stringMatching(/^code\.sourceCodeHash: /),
    ]);
  });
});
