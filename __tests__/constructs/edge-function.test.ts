import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AssetType, DefaultTokenResolver, StringConcat, TerraformAsset, TerraformStack, Testing, Token, Tokenization } from "cdktf";
import { strToU8, zipSync } from "fflate";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { EdgeInferenceFunction, edgeFunctionCode, type EdgeInferenceFunctionProps } from "../../src/constructs/edge-function";
import { addGuardrails } from "../../src/guardrails";
import { ProblemsError } from "../../src/problems";
import "cdktf/lib/testing/adapters/jest";
import { onlyResource } from "./assertions";

const MiB = 1024 * 1024;
const ACCOUNT = "111111111111";
const NAME = "edge-inference-dev-edge";

let workDir: string;
let zipPath: string;
let zipHash: string;
let zipBytes: number;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), "edge-function-"));
  const handler = "exports.handler = async (event) => event.Records[0].cf.request;\n";
  const zip = zipSync({ "index.js": [strToU8(handler), { mtime: new Date("1980-01-01T00:00:00Z") }] });
  zipPath = join(workDir, "edge.zip");
  writeFileSync(zipPath, zip);
  zipHash = createHash("sha256").update(zip).digest("base64");
  zipBytes = zip.length;
});

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

interface BuildOptions {
  readonly providerRegion?: string;
  readonly overrides?: Partial<EdgeInferenceFunctionProps>;
}

function build({ providerRegion = "us-east-1", overrides = {} }: BuildOptions = {}) {
  const app = Testing.app();
  const stack = new TerraformStack(app, "inference-dev");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const usEast1 = new AwsProvider(stack, "us_east_1", { region: providerRegion, alias: "us_east_1" });
  const asset = new TerraformAsset(stack, "edge-code", { path: zipPath, type: AssetType.FILE });
  const fn = new EdgeInferenceFunction(stack, "edge_function", {
    functionName: NAME,
    code: { filename: asset.path, sourceCodeHash: zipHash, zipBytes },
    memoryMb: 1024,
    timeoutSeconds: 30,
    logRetentionDays: 14,
    account: ACCOUNT,
    provider: usEast1,
    ...overrides,
  });
  return { stack, fn };
}

function synthesized(options: BuildOptions = {}) {
  const { stack, fn } = build(options);
  const text = Testing.synth(stack, true);
  return { stack, fn, text, json: JSON.parse(text) as Record<string, any> };
}


function problemsOf(options: BuildOptions): readonly string[] {
  try {
    build(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ProblemsError);
    return (error as ProblemsError).problems;
  }
  throw new Error("expected EdgeInferenceFunction to reject these props");
}

describe("EdgeInferenceFunction", () => {
  test("every resource is created by the us-east-1 provider", () => {
    const { json } = synthesized();
    for (const type of ["aws_lambda_function", "aws_iam_role", "aws_iam_role_policy", "aws_cloudwatch_log_group"]) {
      for (const resource of Object.values(json.resource[type]) as Record<string, any>[]) {
        expect(resource.provider).toBe("aws.us_east_1");
      }
    }
  });

  test("publishes nodejs22.x on x86_64 with the configured memory and timeout, and nothing Lambda@Edge rejects", () => {
    const { text, json } = synthesized();
    expect(text).toHaveResourceWithProperties(LambdaFunction, {
      function_name: NAME,
      runtime: "nodejs22.x",
      architectures: ["x86_64"],
      handler: "index.handler",
      memory_size: 1024,
      timeout: 30,
      publish: true,
      source_code_hash: zipHash,
    });
    const [, lambda] = onlyResource(json, "aws_lambda_function");
    expect(lambda.filename).toMatch(/edge\.zip$/);
    for (const unsupported of ["environment", "layers", "tracing_config", "vpc_config", "dead_letter_config", "reserved_concurrent_executions"]) {
      expect(lambda[unsupported]).toBeUndefined();
    }
  });

  test("skip_destroy keeps terraform destroy from failing on CloudFront replicas, with no other lifecycle", () => {
    const { json } = synthesized();
    const [, lambda] = onlyResource(json, "aws_lambda_function");
    expect(lambda.skip_destroy).toBe(true);
    expect(lambda.lifecycle).toBeUndefined();
  });

  test("the role is trusted by lambda and edgelambda, with no managed policies", () => {
    const { json } = synthesized();
    const [, role] = onlyResource(json, "aws_iam_role");
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: ["edgelambda.amazonaws.com", "lambda.amazonaws.com"] }, Action: "sts:AssumeRole" },
    ]);
    expect(role.managed_policy_arns).toBeUndefined();
    expect(json.resource.aws_iam_role_policy_attachment).toBeUndefined();
  });

  test("the role may only write logs: its us-east-1 group and the replica group of every region, in this account", () => {
    const { json } = synthesized();
    const logGroups = json.resource.aws_cloudwatch_log_group as Record<string, any>;
    const ownGroup = Object.keys(logGroups).find((key) => logGroups[key].name === `/aws/lambda/${NAME}`)!;
    const [, policy] = onlyResource(json, "aws_iam_role_policy");
    expect(JSON.parse(policy.policy).Statement).toEqual([
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [`\${aws_cloudwatch_log_group.${ownGroup}.arn}:*`],
      },
      {
        Sid: "WriteReplicaLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [`arn:aws:logs:*:${ACCOUNT}:log-group:/aws/lambda/us-east-1.${NAME}:*`],
      },
    ]);
  });

  test("pre-creates its us-east-1 log groups with retention, before the function", () => {
    const { text, json } = synthesized();
    for (const name of [`/aws/lambda/${NAME}`, `/aws/lambda/us-east-1.${NAME}`]) {
      expect(text).toHaveResourceWithProperties(CloudwatchLogGroup, { name, retention_in_days: 14 });
    }
    const [, lambda] = onlyResource(json, "aws_lambda_function");
    const groups = Object.keys(json.resource.aws_cloudwatch_log_group).map((key) => `aws_cloudwatch_log_group.${key}`);
    const policy = `aws_iam_role_policy.${onlyResource(json, "aws_iam_role_policy")[0]}`;
    expect(lambda.depends_on).toEqual(expect.arrayContaining([...groups, policy]));
  });

  test("exposes the published version for CloudFront, and builds the association from it", () => {
    const { stack, fn, json } = synthesized();
    expect(fn.function).toBeInstanceOf(LambdaFunction);
    expect(fn.role).toBeInstanceOf(IamRole);
    const [address] = onlyResource(json, "aws_lambda_function");
    const resolve = (value: string) => Tokenization.resolve(value, { scope: stack, resolver: new DefaultTokenResolver(new StringConcat()) });
    expect(resolve(fn.qualifiedArn)).toBe(`\${aws_lambda_function.${address}.qualified_arn}`);
    expect(resolve(fn.arn)).toBe(`\${aws_lambda_function.${address}.arn}`);
    expect(resolve(fn.version)).toBe(`\${aws_lambda_function.${address}.version}`);
    expect(Token.isUnresolved(fn.functionName)).toBe(true);
    expect(fn.association({ includeBody: true })).toEqual({ eventType: "origin-request", lambdaArn: fn.qualifiedArn, includeBody: true });
    expect(fn.association()).toEqual({ eventType: "origin-request", lambdaArn: fn.qualifiedArn });
  });

  test("takes its code from the build's asset and bundle", () => {
    const code = edgeFunctionCode({ path: "assets/edge/edge.zip", sourceCodeHash: zipHash } as never, { zipBytes: 1234 });
    expect(code).toEqual({ filename: "assets/edge/edge.zip", sourceCodeHash: zipHash, zipBytes: 1234 });
  });

  test("passes every guardrail", () => {
    const { stack } = build();
    addGuardrails(stack);
    expect(() => Testing.synth(stack, true)).not.toThrow();
  });

  test("synthesizes byte-identical JSON every time", () => {
    expect(synthesized().text).toBe(synthesized().text);
  });

  describe("misuse fails synth with the rule and the fix", () => {
    const at = "inference-dev/edge_function";

    test("a provider outside us-east-1", () => {
      expect(problemsOf({ providerRegion: "eu-west-1" })).toEqual([
        `${at}: lambda-at-edge/us-east-1: Lambda@Edge functions must be created in us-east-1 but this one was given a provider in eu-west-1; pass the stack's AwsProviders.usEast1`,
      ]);
    });

    test("environment variables", () => {
      expect(problemsOf({ overrides: { environment: { MODEL: "iris" } } })).toEqual([
        `${at}: lambda-at-edge/no-environment: Lambda@Edge functions cannot have environment variables; move settings into the bundle's generated config`,
      ]);
    });

    test("layers", () => {
      expect(problemsOf({ overrides: { layers: ["arn:aws:lambda:us-east-1:111111111111:layer:ort:1"] } })).toEqual([
        `${at}: lambda-at-edge/no-layers: Lambda@Edge functions cannot use layers; bundle the dependencies into the function's zip`,
      ]);
    });

    test("arm64", () => {
      expect(problemsOf({ overrides: { architectures: ["arm64"] } })).toEqual([
        `${at}: lambda-at-edge/x86-64: Lambda@Edge does not support arm64; set architectures = ["x86_64"]`,
      ]);
    });

    test("a timeout over 30 s at origin-request, over 5 s at viewer-request", () => {
      expect(problemsOf({ overrides: { timeoutSeconds: 31 } })).toEqual([
        `${at}: lambda-at-edge/timeout: timeoutSeconds 31 must be a whole number from 1 to 30, the Lambda@Edge origin-request limit`,
      ]);
      expect(problemsOf({ overrides: { eventType: "viewer-request", timeoutSeconds: 6, memoryMb: 128 } })).toEqual([
        `${at}: lambda-at-edge/timeout: timeoutSeconds 6 must be a whole number from 1 to 5, the Lambda@Edge viewer-request limit`,
      ]);
    });

    test("memory over the Lambda@Edge maximum: 10240 MB at origin, 128 MB at viewer", () => {
      expect(problemsOf({ overrides: { memoryMb: 10_241 } })).toEqual([
        `${at}: lambda-at-edge/memory: memoryMb 10241 must be a whole number from 128 to 10240, the Lambda@Edge origin-request limit`,
      ]);
      expect(problemsOf({ overrides: { eventType: "viewer-request", timeoutSeconds: 5, memoryMb: 256 } })).toEqual([
        `${at}: lambda-at-edge/memory: memoryMb 256 must be 128, the Lambda@Edge viewer-request limit`,
      ]);
    });

    test("a zip over 50 MiB at origin-request, over 1 MiB at viewer-request", () => {
      const code = (bytes: number) => ({ filename: zipPath, sourceCodeHash: zipHash, zipBytes: bytes });
      expect(problemsOf({ overrides: { code: code(50 * MiB + 1) } })).toEqual([
        `${at}: lambda-at-edge/zip-size: the zip is 50.00 MiB (52,428,801 bytes), over the Lambda@Edge origin-request limit of 50.00 MiB (52,428,800 bytes); serve large models "regional" or shrink the bundle`,
      ]);
      expect(problemsOf({ overrides: { eventType: "viewer-request", timeoutSeconds: 5, memoryMb: 128, code: code(2 * MiB) } })).toEqual([
        `${at}: lambda-at-edge/zip-size: the zip is 2.00 MiB (2,097,152 bytes), over the Lambda@Edge viewer-request limit of 1.00 MiB (1,048,576 bytes); serve large models "regional" or shrink the bundle`,
      ]);
    });

    test("every problem at once, one line each", () => {
      const problems = problemsOf({
        providerRegion: "eu-west-1",
        overrides: {
          functionName: "has spaces",
          account: "1234",
          logRetentionDays: 10,
          environment: { A: "b" },
          layers: ["arn:aws:lambda:us-east-1:111111111111:layer:x:1"],
          architectures: ["arm64"],
          timeoutSeconds: 60,
          memoryMb: 64,
          code: { filename: "", sourceCodeHash: "nope", zipBytes: 0 },
        },
      });
      expect(problems.map((problem) => problem.split(": ")[1])).toEqual([
        "lambda-at-edge/us-east-1",
        "lambda-at-edge/no-environment",
        "lambda-at-edge/no-layers",
        "lambda-at-edge/x86-64",
        "lambda-at-edge/timeout",
        "lambda-at-edge/memory",
        "lambda/code",
        "lambda/code",
        "lambda/code",
        "lambda/function-name",
        "lambda-at-edge/account",
        "cloudwatch/log-retention",
      ]);
      for (const problem of problems) {
        expect(problem).not.toContain("\n");
        expect(problem.startsWith(`${at}: `)).toBe(true);
      }
    });

    test("includeBody on a response function", () => {
      const { fn } = build({ overrides: { eventType: "origin-response" } });
      expect(() => fn.association({ includeBody: true })).toThrow(
        "inference-dev/edge_function: lambda-at-edge/include-body: includeBody applies to viewer-request and origin-request functions only; this one is origin-response",
      );
    });
  });
});
