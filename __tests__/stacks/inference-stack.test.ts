import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { Testing } from "cdktf";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildHandlerBundles, buildViewerRequestCode, type HandlerBundles, type ViewerRequestCode } from "../../src/build";
import { silentProgress } from "../../src/build/progress";
import { loadEnvironment, type LoadedEnvironment } from "../../src/config/load";
import { InferenceStack } from "../../src/stacks/inference-stack";

const ROOT = join(__dirname, "..", "..");
const CONTEXT = JSON.parse(readFileSync(join(ROOT, "cdktf.json"), "utf8")).context;

describe("InferenceStack", () => {
  let environment: LoadedEnvironment;
  let bundles: HandlerBundles;
  let viewerRequest: ViewerRequestCode;
  let json: string;
  let parsed: Record<string, any>;

  beforeAll(async () => {
    environment = loadEnvironment("dev", { configDir: join(ROOT, "config"), modelsRoot: join(ROOT, "models") });
    bundles = await buildHandlerBundles({
      projectRoot: ROOT,
      config: environment.config,
      models: environment.models,
      progress: silentProgress,
    });
    viewerRequest = await buildViewerRequestCode({ projectRoot: ROOT, models: environment.models });
    const stack = new InferenceStack(Testing.app({ context: CONTEXT }), "inference-dev", { environment, bundles, viewerRequest });
    json = Testing.synth(stack, true);
    parsed = JSON.parse(json);
  }, 180_000);

  it("keeps state in the configured S3 bucket, encrypted, with S3-native locking", () => {
    const { state } = environment.config;
    expect(parsed.terraform.backend).toEqual({
      s3: { bucket: state.bucket, key: state.key, region: state.region, encrypt: true, use_lockfile: true },
    });
  });

  it("has a regional provider and a us-east-1 alias, both pinned to the account and tagged", () => {
    const { config } = environment;
    const providers = parsed.provider.aws as Array<Record<string, any>>;
    expect(providers).toHaveLength(2);
    const regional = providers.find((provider) => provider.alias === undefined)!;
    const usEast1 = providers.find((provider) => provider.alias === "us_east_1")!;
    expect(regional.region).toBe(config.region);
    expect(usEast1.region).toBe("us-east-1");
    for (const provider of [regional, usEast1]) {
      expect(provider.allowed_account_ids).toEqual([config.account]);
      expect(provider.default_tags).toEqual([{ tags: config.tags }]);
    }
  });

  it("deploys the regional handler zip that the build produced, by content hash", () => {
    expect(json).toHaveResourceWithProperties(LambdaFunction, {
      source_code_hash: bundles.regional.sourceCodeHash,
      runtime: "nodejs22.x",
      architectures: ["x86_64"],
      handler: "index.handler",
      memory_size: environment.config.lambda.regional.memoryMb,
      timeout: environment.config.lambda.regional.timeoutSeconds,
    });
    const fn = Object.values(parsed.resource.aws_lambda_function as Record<string, any>).find((candidate) => candidate.provider !== "aws.us_east_1");
    expect(fn.filename).toMatch(/^assets\/regional_handler_zip\/[0-9a-f]{64}\/regional\.zip$/i);
    expect(fn.environment).toBeUndefined();
  });

  it("uploads each configured model under its name and version", () => {
    for (const model of environment.models) {
      expect(json).toHaveResourceWithProperties(S3Object, {
        key: `models/${model.name}/${model.version}/model.onnx`,
        source_hash: model.sha256,
      });
    }
  });

  it("outputs the API, the distribution, the public base URL and the model download URL pattern", () => {
    expect(Object.keys(parsed.output).sort()).toEqual([
      "api_invoke_url",
      "distribution_domain_name",
      "distribution_id",
      "inference_base_url",
      "model_bucket_name",
      "model_download_url_pattern",
    ]);
    const [distributionName] = Object.keys(parsed.resource.aws_cloudfront_distribution);
    expect(parsed.output.model_download_url_pattern.value).toBe(`https://\${aws_cloudfront_distribution.${distributionName}.domain_name}/models/<name>/<version>/model.onnx`);
  });

  it("deploys the edge zip to a published Lambda@Edge function in us-east-1, associated by its version ARN", () => {
    const functions = parsed.resource.aws_lambda_function as Record<string, any>;
    const [edgeName, edge] = Object.entries(functions).find(([, candidate]) => candidate.provider === "aws.us_east_1")!;
    expect(edge).toMatchObject({
      source_code_hash: bundles.edge.sourceCodeHash,
      publish: true,
      skip_destroy: true,
      runtime: "nodejs22.x",
      architectures: ["x86_64"],
      timeout: environment.config.lambda.edge.timeoutSeconds,
      memory_size: environment.config.lambda.edge.memoryMb,
    });
    expect(edge.environment).toBeUndefined();
    expect(edge.layers).toBeUndefined();
    const distribution = Object.values(parsed.resource.aws_cloudfront_distribution as Record<string, any>)[0];
    const infer = distribution.ordered_cache_behavior.find((behavior: any) => behavior.path_pattern === "/v2/models/*");
    expect(infer.lambda_function_association).toEqual([
      { event_type: "origin-request", include_body: true, lambda_arn: `\${aws_lambda_function.${edgeName}.qualified_arn}` },
    ]);
  });

  it("runs the generated viewer-request function and keys the cache on the models' encoded GET inputs", () => {
    const [functionName, fn] = Object.entries(parsed.resource.aws_cloudfront_function as Record<string, any>)[0];
    expect(fn).toMatchObject({ runtime: "cloudfront-js-2.0", publish: true, code: viewerRequest.code });
    const distribution = Object.values(parsed.resource.aws_cloudfront_distribution as Record<string, any>)[0];
    const infer = distribution.ordered_cache_behavior.find((behavior: any) => behavior.path_pattern === "/v2/models/*");
    expect(infer.function_association).toEqual([{ event_type: "viewer-request", function_arn: `\${aws_cloudfront_function.${functionName}.arn}` }]);
    const policy = Object.values(parsed.resource.aws_cloudfront_cache_policy as Record<string, any>)[0];
    expect(policy.parameters_in_cache_key_and_forwarded_to_origin.query_strings_config).toEqual({
      query_string_behavior: "whitelist",
      query_strings: { items: ["features"] },
    });
  });

  it("publishes the viewer function only after the functions and model objects serving the new versions exist", () => {
    const fn = Object.values(parsed.resource.aws_cloudfront_function as Record<string, any>)[0];
    const functions = Object.keys(parsed.resource.aws_lambda_function).map((name) => `aws_lambda_function.${name}`);
    const modelObjects = Object.entries(parsed.resource.aws_s3_object as Record<string, any>)
      .filter(([, object]) => String(object.key).endsWith("/model.onnx"))
      .map(([name]) => `aws_s3_object.${name}`);
    expect(modelObjects.length).toBeGreaterThan(0);
    expect([...fn.depends_on].sort()).toEqual([...functions, ...modelObjects].sort());
  });

  it("has no WAF or custom domain in dev, where the config leaves them out, but always logs and alarms", () => {
    expect(parsed.resource.aws_wafv2_web_acl).toBeUndefined();
    expect(parsed.resource.aws_acm_certificate).toBeUndefined();
    expect(parsed.resource.aws_cloudwatch_log_delivery).toBeDefined();
    expect(Object.keys(parsed.resource.aws_cloudwatch_metric_alarm ?? {}).length).toBeGreaterThanOrEqual(6);
  });

  it("writes no machine-specific path into the JSON", () => {
    expect(json).not.toContain(ROOT);
    expect(json).not.toContain("/tmp/");
  });
});
