import { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { EdgeInferenceFunction } from "../../src/constructs/edge-function";
import { declareEdgeFunction } from "../../src/guardrails";
import { distribution, edgeLambda, testStack, violations, type TestStack } from "./harness";

const MiB = 1024 * 1024;

/** Associates `lambdaArn` at origin-request (or `eventType`) on the default behavior. */
function associate(scope: TestStack, lambdaArn: string, eventType = "origin-request") {
  return distribution(scope, { defaultCacheBehavior: { lambdaFunctionAssociation: [{ eventType, lambdaArn, includeBody: eventType.endsWith("request") }] } });
}

describe("lambda-at-edge guardrails", () => {
  test("an associated function that follows every rule passes", () => {
    const scope = testStack();
    associate(scope, edgeLambda(scope).qualifiedArn);
    expect(violations(scope.stack)).toEqual([]);
  });

  test("a function no distribution associates and nobody declares is not held to them", () => {
    const scope = testStack();
    edgeLambda(scope, "regional_lambda", { provider: scope.regional, architectures: ["arm64"], timeout: 900, environment: { variables: { A: "b" } } });
    expect(violations(scope.stack)).toEqual([]);
  });

  test("lambda-at-edge/us-east-1: an associated function in another region", () => {
    const scope = testStack();
    associate(scope, edgeLambda(scope, "edge_lambda", { provider: scope.regional }).qualifiedArn);
    expect(violations(scope.stack)).toEqual([
      "test/edge_lambda: lambda-at-edge/us-east-1: Lambda@Edge functions must be created in us-east-1 but it is in eu-west-1; create it with the us-east-1 provider (AwsProviders.usEast1)",
    ]);
  });

  test("lambda-at-edge/us-east-1: the per-resource region argument counts over the provider's", () => {
    const scope = testStack();
    associate(scope, edgeLambda(scope, "edge_lambda", { region: "eu-central-1" }).qualifiedArn);
    expect(violations(scope.stack)).toEqual([
      "test/edge_lambda: lambda-at-edge/us-east-1: Lambda@Edge functions must be created in us-east-1 but it is in eu-central-1; create it with the us-east-1 provider (AwsProviders.usEast1)",
    ]);
  });

  test("lambda-at-edge/us-east-1: an associated ARN in another region", () => {
    const scope = testStack();
    associate(scope, "arn:aws:lambda:eu-west-1:111111111111:function:edge:3");
    expect(violations(scope.stack)).toEqual([
      "test/distribution: lambda-at-edge/us-east-1: default_cache_behavior origin-request association uses a function in eu-west-1; Lambda@Edge functions must be in us-east-1",
    ]);
  });

  test("lambda-at-edge/no-environment", () => {
    const scope = testStack();
    associate(scope, edgeLambda(scope, "edge_lambda", { environment: { variables: { MODEL: "iris" } } }).qualifiedArn);
    expect(violations(scope.stack)).toEqual([
      "test/edge_lambda: lambda-at-edge/no-environment: Lambda@Edge functions cannot have environment variables; move settings into the bundle's generated config",
    ]);
  });

  test("lambda-at-edge/no-environment through an escape hatch on EdgeInferenceFunction names the construct", () => {
    const scope = testStack("inference-dev");
    const edge = new EdgeInferenceFunction(scope.stack, "edge_function", {
      functionName: "edge-inference-dev-edge",
      code: { filename: "edge.zip", sourceCodeHash: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", zipBytes: 1000 },
      memoryMb: 1024,
      timeoutSeconds: 30,
      logRetentionDays: 14,
      account: "111111111111",
      provider: scope.usEast1,
    });
    edge.function.addOverride("environment.variables", { MODEL: "iris" });
    expect(violations(scope.stack)).toEqual([
      "inference-dev/edge_function: lambda-at-edge/no-environment: Lambda@Edge functions cannot have environment variables; move settings into the bundle's generated config",
    ]);
  });

  test("lambda-at-edge/no-layers", () => {
    const scope = testStack();
    associate(scope, edgeLambda(scope, "edge_lambda", { layers: ["arn:aws:lambda:us-east-1:111111111111:layer:ort:1"] }).qualifiedArn);
    expect(violations(scope.stack)).toEqual([
      "test/edge_lambda: lambda-at-edge/no-layers: Lambda@Edge functions cannot use layers; bundle the dependencies into the function's zip",
    ]);
  });

  test("lambda-at-edge/x86-64", () => {
    const scope = testStack();
    associate(scope, edgeLambda(scope, "edge_lambda", { architectures: ["arm64"] }).qualifiedArn);
    expect(violations(scope.stack)).toEqual([
      'test/edge_lambda: lambda-at-edge/x86-64: Lambda@Edge does not support arm64; set architectures = ["x86_64"]',
    ]);
  });

  test("lambda-at-edge/timeout: over 30 s at origin-request", () => {
    const scope = testStack();
    associate(scope, edgeLambda(scope, "edge_lambda", { timeout: 60 }).qualifiedArn);
    expect(violations(scope.stack)).toEqual([
      "test/edge_lambda: lambda-at-edge/timeout: timeout 60 s is over the Lambda@Edge origin-request limit of 30 s; set it to 30 or less",
    ]);
  });

  test("lambda-at-edge/timeout and memory: over 5 s and 128 MB at viewer-request", () => {
    const scope = testStack();
    associate(scope, edgeLambda(scope).qualifiedArn, "viewer-request");
    expect(violations(scope.stack)).toEqual([
      "test/edge_lambda: lambda-at-edge/timeout: timeout 30 s is over the Lambda@Edge viewer-request limit of 5 s; set it to 5 or less",
      "test/edge_lambda: lambda-at-edge/memory: memory_size 1024 MB is over the Lambda@Edge viewer-request limit of 128 MB; set it to 128 or less",
    ]);
  });

  test("lambda-at-edge/published-version: an association by unqualified ARN", () => {
    const scope = testStack();
    const fn = edgeLambda(scope);
    associate(scope, fn.arn);
    expect(violations(scope.stack)).toEqual([
      "test/distribution: lambda-at-edge/published-version: default_cache_behavior origin-request association uses ${aws_lambda_function.edge_lambda.arn}, an unqualified ARN that CloudFront rejects (it needs a numbered version); associate the function's qualified_arn (EdgeInferenceFunction.qualifiedArn) with publish = true",
    ]);
  });

  test("lambda-at-edge/published-version: the qualified ARN of an unpublished function is $LATEST", () => {
    const scope = testStack();
    associate(scope, edgeLambda(scope, "edge_lambda", { publish: false }).qualifiedArn);
    expect(violations(scope.stack)).toEqual([
      "test/distribution: lambda-at-edge/published-version: default_cache_behavior origin-request association uses the qualified_arn of aws_lambda_function.edge_lambda, which does not set publish = true, so it names $LATEST and CloudFront rejects it; set publish = true on the function",
    ]);
  });

  test("lambda-at-edge/published-version: aliases, $LATEST and bare ARNs are refused; numbered versions pass", () => {
    const scope = testStack();
    const fn = edgeLambda(scope);
    const alias = new LambdaAlias(scope.stack, "live", { provider: scope.usEast1, name: "live", functionName: fn.functionName, functionVersion: fn.version });
    distribution(scope, {
      defaultCacheBehavior: { lambdaFunctionAssociation: [{ eventType: "origin-request", lambdaArn: alias.arn }] },
      orderedCacheBehavior: [
        { pathPattern: "/a/*", lambdaFunctionAssociation: [{ eventType: "origin-request", lambdaArn: "arn:aws:lambda:us-east-1:111111111111:function:edge:$LATEST" }] },
        { pathPattern: "/b/*", lambdaFunctionAssociation: [{ eventType: "origin-request", lambdaArn: "arn:aws:lambda:us-east-1:111111111111:function:edge" }] },
        { pathPattern: "/c/*", lambdaFunctionAssociation: [{ eventType: "origin-request", lambdaArn: "arn:aws:lambda:us-east-1:111111111111:function:edge:7" }] },
        { pathPattern: "/d/*", lambdaFunctionAssociation: [{ eventType: "origin-request", lambdaArn: `${fn.arn}:${fn.version}` }] },
      ],
    });
    expect(violations(scope.stack)).toEqual([
      "test/distribution: lambda-at-edge/published-version: default_cache_behavior origin-request association uses an alias ARN (${aws_lambda_alias.live.arn}); CloudFront accepts only numbered versions: associate the function's qualified_arn (EdgeInferenceFunction.qualifiedArn) with publish = true",
      'test/distribution: lambda-at-edge/published-version: ordered_cache_behavior[0] (/a/*) origin-request association uses arn:aws:lambda:us-east-1:111111111111:function:edge:$LATEST: qualifier "$LATEST", not a numbered version, which CloudFront rejects; associate the function\'s qualified_arn (EdgeInferenceFunction.qualifiedArn) with publish = true',
      "test/distribution: lambda-at-edge/published-version: ordered_cache_behavior[1] (/b/*) origin-request association uses arn:aws:lambda:us-east-1:111111111111:function:edge: an unqualified ARN, which CloudFront rejects; associate the function's qualified_arn (EdgeInferenceFunction.qualifiedArn) with publish = true",
    ]);
  });

  test("lambda-at-edge/zip-size: a declared edge function whose zip is over the limit", () => {
    const scope = testStack();
    const fn = edgeLambda(scope);
    declareEdgeFunction(fn, { owner: fn, eventType: "origin-request", zipBytes: 60 * MiB });
    expect(violations(scope.stack)).toEqual([
      'test/edge_lambda: lambda-at-edge/zip-size: the zip is 60.00 MiB (62,914,560 bytes), over the Lambda@Edge origin-request limit of 50.00 MiB (52,428,800 bytes); serve large models "regional" or shrink the bundle',
    ]);
  });

  test("lambda-at-edge/zip-size: the strictest event a declared function serves sets the limit", () => {
    const scope = testStack();
    const fn = edgeLambda(scope, "edge_lambda", { timeout: 5, memorySize: 128 });
    declareEdgeFunction(fn, { owner: fn, eventType: "origin-request", zipBytes: 2 * MiB });
    associate(scope, fn.qualifiedArn, "viewer-request");
    expect(violations(scope.stack)).toEqual([
      'test/edge_lambda: lambda-at-edge/zip-size: the zip is 2.00 MiB (2,097,152 bytes), over the Lambda@Edge viewer-request limit of 1.00 MiB (1,048,576 bytes); serve large models "regional" or shrink the bundle',
    ]);
  });

  test("a declared function is held to the rules before any distribution associates it", () => {
    const scope = testStack();
    const fn = edgeLambda(scope, "edge_lambda", { provider: scope.regional, layers: ["arn:aws:lambda:eu-west-1:111111111111:layer:x:1"] });
    declareEdgeFunction(fn, { owner: fn, eventType: "origin-request" });
    expect(violations(scope.stack).map((line) => line.split(": ")[1])).toEqual(["lambda-at-edge/us-east-1", "lambda-at-edge/no-layers"]);
  });
});
