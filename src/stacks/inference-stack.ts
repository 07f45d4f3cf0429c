import { TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { LoadedEnvironment } from "../config/load";
import { handlerAsset } from "../build/asset";
import type { HandlerBundles, ViewerRequestCode } from "../build";
import { InferenceAlarms } from "../constructs/alarms";
import { AwsProviders } from "../constructs/aws-providers";
import { DistributionAccessLogs } from "../constructs/distribution-access-logs";
import { DistributionCertificate } from "../constructs/distribution-domain";
import { EdgeInferenceFunction, edgeFunctionCode } from "../constructs/edge-function";
import { InferenceApi } from "../constructs/inference-api";
import { InferenceDistribution } from "../constructs/inference-distribution";
import { ModelStore } from "../constructs/model-store";
import { RegionalFunction } from "../constructs/regional-function";
import { ViewerRequestFunction } from "../constructs/viewer-request-function";
import { EdgeWebAcl } from "../constructs/web-acl";
import { useRemoteState } from "./remote-state";

export interface InferenceStackProps {
  readonly environment: LoadedEnvironment;
  readonly bundles: HandlerBundles;
  readonly viewerRequest: ViewerRequestCode;
}

/**
 * One environment's serving path: the model bucket, the regional Lambda and REST API, and in front of
 * them the CloudFront distribution with its viewer-request function, the Lambda@Edge inference
 * function, optional WAF and custom domain, access logs and alarms.
 */
export class InferenceStack extends TerraformStack {
  public readonly providers: AwsProviders;
  public readonly modelStore: ModelStore;
  public readonly regionalFunction: RegionalFunction;
  public readonly api: InferenceApi;
  public readonly edgeFunction: EdgeInferenceFunction | undefined;
  public readonly viewerRequestFunction: ViewerRequestFunction;
  public readonly webAcl: EdgeWebAcl | undefined;
  public readonly certificate: DistributionCertificate | undefined;
  public readonly distribution: InferenceDistribution;
  public readonly accessLogs: DistributionAccessLogs;
  public readonly alarms: InferenceAlarms;

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

    const usEast1 = this.providers.usEast1;
    const edgeModels = models.filter((model) => model.serve === "edge");
    if (edgeModels.length > 0) {
      const edgeZip = handlerAsset(this, "edge_handler_zip", props.bundles.edge);
      this.edgeFunction = new EdgeInferenceFunction(this, "edge_function", {
        functionName: `${prefix}-edge-inference`,
        description: `Open Inference Protocol at CloudFront origin-request for ${edgeModels.map((model) => model.name).join(", ")}`,
        code: edgeFunctionCode(edgeZip, props.bundles.edge),
        memoryMb: config.lambda.edge.memoryMb,
        timeoutSeconds: config.lambda.edge.timeoutSeconds,
        logRetentionDays: config.logRetentionDays,
        account: config.account,
        provider: usEast1,
      });
    }

    this.viewerRequestFunction = new ViewerRequestFunction(this, "viewer_request_function", {
      name: `${prefix}-viewer-request`,
      comment: "Versioned cache keys and the canonical GET inference query",
      code: props.viewerRequest.code,
      provider: usEast1,
      // It sends viewers to the new model versions, so it goes live only after what serves them exists.
      dependsOn: [
        this.regionalFunction.function,
        ...(this.edgeFunction ? [this.edgeFunction.function] : []),
        ...[...this.modelStore.models.values()].map((model) => model.modelObject),
      ],
    });

    if (config.waf.enabled) {
      this.webAcl = new EdgeWebAcl(this, "web_acl", { name: `${prefix}-edge`, rateLimitPer5Minutes: config.waf.rateLimitPer5Minutes, provider: usEast1 });
    }
    if (config.domain) {
      this.certificate = new DistributionCertificate(this, "domain", { ...config.domain, provider: usEast1 });
    }

    this.distribution = new InferenceDistribution(this, "distribution", {
      namePrefix: prefix,
      api: this.api,
      modelStore: this.modelStore,
      models: models.map((model) => ({
        name: model.name,
        serve: model.serve,
        queryParameterNames: props.viewerRequest.queryParameterNames[model.name] ?? [],
      })),
      viewerRequestFunctionArn: this.viewerRequestFunction.arn,
      edgeFunction: this.edgeFunction,
      cache: config.cache,
      priceClass: config.distribution.priceClass,
      geoRestriction: config.distribution.geoRestriction,
      customDomain: this.certificate,
      webAclArn: this.webAcl?.arn,
      provider: usEast1,
    });
    this.certificate?.addAliasRecords(this.distribution);

    this.accessLogs = new DistributionAccessLogs(this, "access_logs", {
      name: prefix,
      account: config.account,
      distributionArn: this.distribution.arn,
      destination: config.distribution.accessLogs.destination,
      retentionDays: config.logRetentionDays,
      provider: usEast1,
    });

    this.alarms = new InferenceAlarms(this, "alarms", {
      namePrefix: prefix,
      account: config.account,
      notify: config.alarms,
      api: { apiName: this.api.restApi.name, stageName: this.api.stage.stageName },
      regionalFunctionName: this.regionalFunction.functionName,
      distribution: { distributionId: this.distribution.distributionId, hasEdgeFunction: this.distribution.edgeInferenceEnabled },
      regionalProvider: provider,
      usEast1Provider: usEast1,
    });

    new TerraformOutput(this, "api_invoke_url", { value: this.api.invokeUrl });
    new TerraformOutput(this, "model_bucket_name", { value: this.modelStore.bucketName });
    new TerraformOutput(this, "distribution_domain_name", { value: this.distribution.domainName });
    new TerraformOutput(this, "distribution_id", { value: this.distribution.distributionId });
    new TerraformOutput(this, "inference_base_url", { value: `https://${this.distribution.publicDomainName}/v2` });
    new TerraformOutput(this, "model_download_url_pattern", { value: this.distribution.modelDownloadUrlPattern });
    if (this.certificate) new TerraformOutput(this, "custom_domain", { value: this.certificate.recordName });
  }
}
