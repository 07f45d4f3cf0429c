import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { Testing } from "cdktf";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildHandlerBundles, type HandlerBundles } from "../../src/build";
import { silentProgress } from "../../src/build/progress";
import { loadEnvironment, type LoadedEnvironment } from "../../src/config/load";
import { InferenceStack } from "../../src/stacks/inference-stack";

const ROOT = join(__dirname, "..", "..");
const CONTEXT = JSON.parse(readFileSync(join(ROOT, "cdktf.json"), "utf8")).context;

describe("InferenceStack", () => {
  let environment: LoadedEnvironment;
  let bundles: HandlerBundles;
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
    const stack = new InferenceStack(Testing.app({ context: CONTEXT }), "inference-dev", { environment, bundles });
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
    const fn = Object.values(parsed.resource.aws_lambda_function as Record<string, any>)[0];
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

  it("outputs the API invoke URL and the model bucket name", () => {
    expect(Object.keys(parsed.output).sort()).toEqual(["api_invoke_url", "model_bucket_name"]);
  });

  it("writes no machine-specific path into the JSON", () => {
    expect(json).not.toContain(ROOT);
    expect(json).not.toContain("/tmp/");
  });
});
