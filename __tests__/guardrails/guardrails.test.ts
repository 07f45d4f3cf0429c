import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing } from "cdktf";
import { strToU8, zipSync } from "fflate";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { S3BucketAcl } from "@cdktf/provider-aws/lib/s3-bucket-acl";
import type { HandlerBundle, HandlerBundles, HandlerFunction } from "../../src/build";
import { generateRuntimeConfig } from "../../src/build/runtime-config";
import { loadEnvironment, type LoadedEnvironment } from "../../src/config/load";
import { EdgeInferenceFunction } from "../../src/constructs/edge-function";
import { PrivateBucket } from "../../src/constructs/private-bucket";
import { addGuardrails, RULES } from "../../src/guardrails";
import { ProblemsError } from "../../src/problems";
import { reportFailure } from "../../src/report-failure";
import { BootstrapStateStack } from "../../src/stacks/bootstrap-state-stack";
import { InferenceStack } from "../../src/stacks/inference-stack";
import { API_ORIGIN, cachePolicy, distribution, edgeLambda, NO_KEY, testStack, violations, type TestStack } from "./harness";

const ROOT = join(__dirname, "..", "..");
const CONTEXT = JSON.parse(readFileSync(join(ROOT, "cdktf.json"), "utf8")).context;

/** One of everything the guardrails look at, each built the way the rules want. */
function compliantStack(scope: TestStack): void {
  const edge = new EdgeInferenceFunction(scope.stack, "edge_function", {
    functionName: "test-edge",
    code: { filename: "edge.zip", sourceCodeHash: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", zipBytes: 40 * 1024 * 1024 },
    memoryMb: 2048,
    timeoutSeconds: 30,
    logRetentionDays: 14,
    account: "111111111111",
    provider: scope.usEast1,
  });
  const bucket = new PrivateBucket(scope.stack, "models", { bucketName: "test-models" });
  const policy = cachePolicy(scope, {
    parametersInCacheKeyAndForwardedToOrigin: { ...NO_KEY, queryStringsConfig: { queryStringBehavior: "all" }, enableAcceptEncodingGzip: true },
  });
  distribution(scope, {
    origin: [API_ORIGIN, { originId: "models", domainName: bucket.bucket.bucketRegionalDomainName, originAccessControlId: "E2OAC" }],
    defaultCacheBehavior: { lambdaFunctionAssociation: [edge.association({ includeBody: true })] },
    orderedCacheBehavior: [
      { pathPattern: "/v2/*", cachePolicyId: policy.id },
      { pathPattern: "/models/*", targetOriginId: "models" },
    ],
  });
}

describe("guardrails", () => {
  test("a stack with one of everything, each done right, passes", () => {
    const scope = testStack();
    compliantStack(scope);
    expect(violations(scope.stack)).toEqual([]);
  });

  test("every violation is reported at once, one line each: construct path, rule, fix", () => {
    const scope = testStack();
    compliantStack(scope);
    distribution(scope, { defaultCacheBehavior: { viewerProtocolPolicy: "allow-all", lambdaFunctionAssociation: [{ eventType: "origin-request", lambdaArn: edgeLambda(scope, "arm_lambda", { architectures: ["arm64"] }).arn }] } }, "second_distribution");
    new IamRolePolicy(scope.stack, "admin", { role: "test", policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }) });
    new S3BucketAcl(scope.stack, "acl", { bucket: "test-models", acl: "public-read-write" });

    const problems = violations(scope.stack);
    expect(problems.map((line) => line.split(": ").slice(0, 2))).toEqual([
      ["test/arm_lambda", RULES.edgeArchitecture],
      ["test/second_distribution", RULES.edgePublishedVersion],
      ["test/second_distribution", RULES.viewerHttps],
      ["test/admin", RULES.iamWildcardActions],
      ["test/acl", RULES.s3PublicBucket],
    ]);
    for (const line of problems) expect(line).toMatch(/^test\/[a-z_]+: [a-z0-9-]+\/[a-z0-9-]+: [^\n]+; [^\n]+$/);
  });

  test("on an app, one failure lists the violations of every stack, and the CLI prints one line per problem", () => {
    const app = Testing.app();
    const first = testStack("first", app);
    const second = testStack("second", app);
    new IamRole(first.stack, "role", {
      name: "first",
      assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:*" }] }),
    });
    distribution(second, { defaultCacheBehavior: { viewerProtocolPolicy: "allow-all" } });
    addGuardrails(app);

    let thrown: unknown;
    try {
      app.synth();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProblemsError);
    let printed = "";
    expect(reportFailure(thrown, (text) => (printed += text))).toBe(1);
    expect(printed.split("\n")).toEqual([
      "synth failed: 2 problems",
      '  first/role: iam/no-wildcard-actions: assume_role_policy statement 0 allows "sts:*"; list the actions it needs (e.g. s3:GetObject), never a whole service',
      "  second/distribution: cloudfront/viewer-https: default_cache_behavior has viewer_protocol_policy = allow-all, which serves inference over plain HTTP; use redirect-to-https (or https-only)",
      "",
    ]);
  });

  test("a second synth of the same stack reports the same violations once", () => {
    const scope = testStack();
    distribution(scope, { defaultCacheBehavior: { viewerProtocolPolicy: "allow-all" } });
    const first = violations(scope.stack);
    let again: readonly string[] = [];
    try {
      Testing.synth(scope.stack, true);
    } catch (error) {
      again = (error as ProblemsError).problems;
    }
    expect(first).toHaveLength(1);
    expect(again).toEqual(first);
  });

  describe("the shipped stacks pass every rule", () => {
    let workDir: string;
    beforeAll(() => (workDir = mkdtempSync(join(tmpdir(), "guardrails-"))));
    afterAll(() => rmSync(workDir, { recursive: true, force: true }));

    /** Stand-in zips: the stacks' resources do not depend on what the handlers contain. */
    function bundlesFor(environment: LoadedEnvironment): HandlerBundles {
      const bundle = (fn: HandlerFunction): HandlerBundle => {
        const zip = zipSync({ "index.js": [strToU8(`exports.handler = async () => "${fn}";\n`), { mtime: new Date("1980-01-01T00:00:00Z") }] });
        const zipPath = join(workDir, `${environment.config.environment}-${fn}.zip`);
        writeFileSync(zipPath, zip);
        return {
          fn,
          zipPath,
          sourceMapPath: `${zipPath}.map`,
          sha256Hex: createHash("sha256").update(zip).digest("hex"),
          sourceCodeHash: createHash("sha256").update(zip).digest("base64"),
          zipBytes: zip.length,
          unzippedBytes: zip.length,
          fileCount: 1,
          handler: "index.handler",
          runtimeConfig: generateRuntimeConfig(environment.config, environment.models, fn),
          cached: false,
        };
      };
      return { edge: bundle("edge"), regional: bundle("regional") };
    }

    for (const name of ["dev", "prod"]) {
      test(`state-${name} and inference-${name}`, () => {
        const environment = loadEnvironment(name, { configDir: join(ROOT, "config"), modelsRoot: join(ROOT, "models") });
        const app = Testing.app({ context: CONTEXT });
        const state = new BootstrapStateStack(app, `state-${name}`, { config: environment.config });
        const viewerRequest = { code: "function handler(event) { return event.request; }", bytes: 50, models: [], queryParameterNames: {} };
        const inference = new InferenceStack(app, `inference-${name}`, { environment, bundles: bundlesFor(environment), viewerRequest });
        for (const stack of [state, inference]) expect(violations(stack)).toEqual([]);
      });
    }
  });
});
