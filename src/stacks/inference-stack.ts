import { TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { LoadedEnvironment } from "../config/load";
import { handlerAsset } from "../build/asset";
import type { HandlerBundles } from "../build";
import { AwsProviders } from "../constructs/aws-providers";
import { InferenceApi } from "../constructs/inference-api";
import { ModelStore } from "../constructs/model-store";
import { RegionalFunction } from "../constructs/regional-function";
import { useRemoteState } from "./remote-state";

export interface InferenceStackProps {
  readonly environment: LoadedEnvironment;
  readonly bundles: HandlerBundles;
}

/** One environment's serving path: model bucket, regional Lambda and the REST API in front of it. */
export class InferenceStack extends TerraformStack {
  public readonly providers: AwsProviders;
  public readonly modelStore: ModelStore;
  public readonly regionalFunction: RegionalFunction;
  public readonly api: InferenceApi;

  constructor(scope: Construct, id: string, props: InferenceStackProps) {
    super(scope, id);
    const { config, models } = props.environment;
    const prefix = `${config.appName}-${config.environment}`;

    useRemoteState(this, config.state);
    this.providers = new AwsProviders(this, "aws", { region: config.region, account: config.account, tags: config.tags });
    const provider = this.providers.regional;

    this.modelStore = new ModelStore(this, "model_store", {
      models,
      bucketPrefix: `${prefix}-models-`,
      kmsKeyArn: config.modelBucket.kmsKeyArn,
      noncurrentVersionExpirationDays: config.modelBucket.noncurrentVersionExpirationDays,
      provider,
    });

    const code = handlerAsset(this, "regional_handler_zip", props.bundles.regional);
    this.regionalFunction = new RegionalFunction(this, "regional_function", {
      functionName: `${prefix}-inference`,
      description: `Open Inference Protocol server for ${models.map((model) => model.name).join(", ")}`,
      code: { filename: code.path, sourceCodeHash: code.sourceCodeHash },
      memoryMb: config.lambda.regional.memoryMb,
      timeoutSeconds: config.lambda.regional.timeoutSeconds,
      logRetentionDays: config.logRetentionDays,
      modelReadStatements: this.modelStore.readPermissions(),
      provider,
    });

    this.api = new InferenceApi(this, "api", {
      name: `${prefix}-inference`,
      stageName: config.environment,
      backend: this.regionalFunction,
      throttle: config.api.throttle,
      logRetentionDays: config.logRetentionDays,
      cloudWatchRole: "create",
      provider,
    });

    new TerraformOutput(this, "api_invoke_url", { value: this.api.invokeUrl });
    new TerraformOutput(this, "model_bucket_name", { value: this.modelStore.bucketName });
  }
}
