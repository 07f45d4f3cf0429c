import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AssetType, TerraformAsset, TerraformOutput, TerraformStack, Testing } from "cdktf";
import { strToU8, zipSync } from "fflate";
import { ApiGatewayAccount } from "@cdktf/provider-aws/lib/api-gateway-account";
import { ApiGatewayMethodSettings } from "@cdktf/provider-aws/lib/api-gateway-method-settings";
import { ApiGatewayRestApi } from "@cdktf/provider-aws/lib/api-gateway-rest-api";
import { ApiGatewayStage } from "@cdktf/provider-aws/lib/api-gateway-stage";
import { ApiGatewayUsagePlan } from "@cdktf/provider-aws/lib/api-gateway-usage-plan";
import { ApiGatewayUsagePlanKey } from "@cdktf/provider-aws/lib/api-gateway-usage-plan-key";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { InferenceApi, type InferenceApiProps } from "../../src/constructs/inference-api";
import { RegionalFunction } from "../../src/constructs/regional-function";
import { OPEN_INFERENCE_ROUTES } from "../../src/defaults/api-gateway";
// Brings the cdktf jest matcher types (registered at runtime by __tests__/setup.ts) into scope.
import "cdktf/lib/testing/adapters/jest";
import { onlyResource } from "./assertions";

const INVOKE_ARN =
  "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:111111111111:function:edge-inference-dev-regional/invocations";

/** Written out from the OIP v2 spec (fixtures/oip) rather than derived from the code under test. */
const EXPECTED_ROUTES = [
  "GET /v2",
  "GET /v2/health/live",
  "GET /v2/health/ready",
  "GET /v2/models/{model}",
  "GET /v2/models/{model}/ready",
  "GET /v2/models/{model}/infer",
  "POST /v2/models/{model}/infer",
  "GET /v2/models/{model}/versions/{version}",
  "GET /v2/models/{model}/versions/{version}/ready",
  "GET /v2/models/{model}/versions/{version}/infer",
  "POST /v2/models/{model}/versions/{version}/infer",
].sort();

type Json = Record<string, any>;

function build(overrides: Partial<InferenceApiProps> = {}) {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const api = new InferenceApi(stack, "api", {
    name: "edge-inference-dev",
    stageName: "live",
    backend: { functionName: "edge-inference-dev-regional", invokeArn: INVOKE_ARN },
    throttle: { rateLimit: 50, burstLimit: 100 },
    logRetentionDays: 14,
    cloudWatchRole: "create",
    ...overrides,
  });
  new TerraformOutput(stack, "origin_domain", { value: api.originDomainName });
  new TerraformOutput(stack, "origin_path", { value: api.originPath });
  const synthesized = Testing.synth(stack, true);
  return { api, synthesized, json: JSON.parse(synthesized) as Json };
}

function resourcesOf(json: Json, type: string): [string, Json][] {
  return Object.entries(json.resource[type] ?? {}) as [string, Json][];
}


const ref = (type: string, name: string, attribute: string) => `\${${type}.${name}.${attribute}}`;

/** Rebuilds "METHOD /path" for every method from the synthesized parent_id/path_part links. */
function synthesizedRoutes(json: Json): string[] {
  const [restApiName] = onlyResource(json, "aws_api_gateway_rest_api");
  const resources = new Map(resourcesOf(json, "aws_api_gateway_resource"));
  const pathOf = (resourceIdRef: string): string => {
    if (resourceIdRef === ref("aws_api_gateway_rest_api", restApiName, "root_resource_id")) return "";
    const name = /^\$\{aws_api_gateway_resource\.(.+)\.id\}$/.exec(resourceIdRef)?.[1];
    const resource = name === undefined ? undefined : resources.get(name);
    if (!resource) throw new Error(`unexpected resource reference ${resourceIdRef}`);
    return `${pathOf(resource.parent_id)}/${resource.path_part}`;
  };
  return resourcesOf(json, "aws_api_gateway_method")
    .map(([, method]) => `${method.http_method} ${pathOf(method.resource_id)}`)
    .sort();
}

describe("InferenceApi", () => {
  test("is a REGIONAL REST API reading the API key from the header", () => {
    const { synthesized } = build();
    expect(synthesized).toHaveResourceWithProperties(ApiGatewayRestApi, {
      name: "edge-inference-dev",
      endpoint_configuration: { types: ["REGIONAL"] },
      api_key_source: "HEADER",
    });
  });

  test("treats every body as binary by default, so binary tensor requests reach the Lambda intact", () => {
    expect(build().synthesized).toHaveResourceWithProperties(ApiGatewayRestApi, { binary_media_types: ["*/*"] });
    expect(build({ binaryMediaTypes: ["application/octet-stream"] }).synthesized).toHaveResourceWithProperties(ApiGatewayRestApi, {
      binary_media_types: ["application/octet-stream"],
    });
  });

  test("serves every Open Inference Protocol route with the right methods, and nothing else", () => {
    const { json } = build();
    expect(synthesizedRoutes(json)).toEqual(EXPECTED_ROUTES);
  });

  test("every method requires the API key and declares its path parameters", () => {
    const { json } = build();
    const methods = resourcesOf(json, "aws_api_gateway_method");
    expect(methods).toHaveLength(EXPECTED_ROUTES.length);
    for (const [, method] of methods) {
      expect(method.api_key_required).toBe(true);
      expect(method.authorization).toBe("NONE");
    }
    const [, versionedInfer] = methods.find(([name]) => name.includes("POST_v2_models_model-param_versions_version-param_infer"))!;
    expect(versionedInfer.request_parameters).toEqual({
      "method.request.path.model": true,
      "method.request.path.version": true,
    });
  });

  test("every method is proxied to the one Lambda with POST", () => {
    const { json } = build();
    const methods = new Map(resourcesOf(json, "aws_api_gateway_method"));
    const integrations = resourcesOf(json, "aws_api_gateway_integration");
    expect(integrations).toHaveLength(methods.size);
    const covered = new Set<string>();
    for (const [, integration] of integrations) {
      expect(integration).toMatchObject({ type: "AWS_PROXY", integration_http_method: "POST", uri: INVOKE_ARN });
      const methodName = /^\$\{aws_api_gateway_method\.(.+)\.http_method\}$/.exec(integration.http_method)?.[1];
      expect(methods.get(methodName!)?.resource_id).toBe(integration.resource_id);
      covered.add(methodName!);
    }
    expect(covered.size).toBe(methods.size);
  });

  test("stage has X-Ray on and JSON access logs to a log group with retention", () => {
    const { synthesized, json } = build();
    const [deploymentName] = onlyResource(json, "aws_api_gateway_deployment");
    const [, stage] = onlyResource(json, "aws_api_gateway_stage");
    expect(stage.stage_name).toBe("live");
    expect(stage.xray_tracing_enabled).toBe(true);
    expect(stage.deployment_id).toBe(ref("aws_api_gateway_deployment", deploymentName, "id"));

    const accessLogGroup = resourcesOf(json, "aws_cloudwatch_log_group").find(([, group]) => group.name.endsWith("/access"))!;
    expect(accessLogGroup[1]).toMatchObject({ name: "/aws/apigateway/edge-inference-dev/live/access", retention_in_days: 14 });
    expect(stage.access_log_settings.destination_arn).toBe(ref("aws_cloudwatch_log_group", accessLogGroup[0], "arn"));

    const format: string = stage.access_log_settings.format;
    expect(format).not.toContain("\n");
    // $context.error.messageString is substituted already quoted; every other variable sits inside quotes.
    const sample = JSON.parse(format.replace("$context.error.messageString", '"Forbidden"'));
    expect(Object.keys(sample)).toEqual(
      expect.arrayContaining(["requestId", "ip", "requestTime", "httpMethod", "resourcePath", "status", "responseLength", "integrationLatency"]),
    );
    expect(sample.resourcePath).toBe("$context.resourcePath");
    expect(format).not.toMatch(/requestBody|\$input|\$context\.requestOverride/);

    expect(synthesized).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: "API-Gateway-Execution-Logs_${aws_api_gateway_rest_api." + onlyResource(json, "aws_api_gateway_rest_api")[0] + ".id}/live",
      retention_in_days: 14,
    });
  });

  test("all methods are throttled from props, with metrics, ERROR execution logs and no data trace", () => {
    const { synthesized } = build();
    expect(synthesized).toHaveResourceWithProperties(ApiGatewayMethodSettings, {
      method_path: "*/*",
      settings: {
        throttling_rate_limit: 50,
        throttling_burst_limit: 100,
        metrics_enabled: true,
        logging_level: "ERROR",
        data_trace_enabled: false,
      },
    });
  });

  test("deployment is replaced before destroy, after every method and integration exists", () => {
    const { json } = build();
    const [, deployment] = onlyResource(json, "aws_api_gateway_deployment");
    expect(deployment.lifecycle).toEqual({ create_before_destroy: true });
    expect(deployment.triggers.definition).toMatch(/^[0-9a-f]{64}$/);
    expect(deployment.triggers.backend).toBe(INVOKE_ARN);
    expect(JSON.stringify(deployment)).not.toContain("timestamp");
    const expected = [
      ...resourcesOf(json, "aws_api_gateway_method").map(([name]) => `aws_api_gateway_method.${name}`),
      ...resourcesOf(json, "aws_api_gateway_integration").map(([name]) => `aws_api_gateway_integration.${name}`),
      ...resourcesOf(json, "aws_api_gateway_gateway_response").map(([name]) => `aws_api_gateway_gateway_response.${name}`),
    ];
    expect([...deployment.depends_on].sort()).toEqual(expected.sort());
  });

  test("deployment trigger is stable across synths and changes with the API definition", () => {
    const triggerOf = (overrides: Partial<InferenceApiProps> = {}) =>
      onlyResource(build(overrides).json, "aws_api_gateway_deployment")[1].triggers.definition as string;
    const baseline = triggerOf();
    expect(triggerOf()).toBe(baseline);
    expect(triggerOf({ routes: [...OPEN_INFERENCE_ROUTES].reverse() })).toBe(baseline);

    const withoutGetInfer = OPEN_INFERENCE_ROUTES.map((route) =>
      route.path === "/v2/models/{model}/infer" ? { ...route, methods: ["POST" as const] } : route,
    );
    expect(triggerOf({ routes: withoutGetInfer })).not.toBe(baseline);
    expect(triggerOf({ routes: [...OPEN_INFERENCE_ROUTES, { path: "/v2/repository/index", methods: ["POST"] }] })).not.toBe(baseline);
    expect(triggerOf({ binaryMediaTypes: ["application/octet-stream"] })).not.toBe(baseline);
  });

  test("an AWS-generated API key in a usage plan on this stage", () => {
    const { synthesized, json } = build();
    const [restApiName] = onlyResource(json, "aws_api_gateway_rest_api");
    const [stageName] = onlyResource(json, "aws_api_gateway_stage");
    const [apiKeyName, apiKey] = onlyResource(json, "aws_api_gateway_api_key");
    expect(apiKey.enabled).toBe(true);
    expect(apiKey.value).toBeUndefined();
    expect(synthesized).toHaveResourceWithProperties(ApiGatewayUsagePlan, {
      api_stages: [
        { api_id: ref("aws_api_gateway_rest_api", restApiName, "id"), stage: ref("aws_api_gateway_stage", stageName, "stage_name") },
      ],
      throttle_settings: { rate_limit: 50, burst_limit: 100 },
    });
    const [usagePlanName] = onlyResource(json, "aws_api_gateway_usage_plan");
    expect(synthesized).toHaveResourceWithProperties(ApiGatewayUsagePlanKey, {
      key_id: ref("aws_api_gateway_api_key", apiKeyName, "id"),
      key_type: "API_KEY",
      usage_plan_id: ref("aws_api_gateway_usage_plan", usagePlanName, "id"),
    });
    expect(json.resource.random_password).toBeUndefined();
  });

  test("Lambda may be invoked by this API's stage only", () => {
    const { synthesized, json } = build();
    const [restApiName] = onlyResource(json, "aws_api_gateway_rest_api");
    expect(synthesized).toHaveResourceWithProperties(LambdaPermission, {
      action: "lambda:InvokeFunction",
      function_name: "edge-inference-dev-regional",
      principal: "apigateway.amazonaws.com",
      source_arn: `${ref("aws_api_gateway_rest_api", restApiName, "execution_arn")}/live/*/*`,
    });
  });

  test("the CloudWatch role setting: created on request, then the stage waits for it", () => {
    const { synthesized, json } = build();
    const [roleName, role] = onlyResource(json, "aws_iam_role");
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "apigateway.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    expect(synthesized).toHaveResourceWithProperties(IamRolePolicyAttachment, {
      policy_arn: "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
    });
    expect(synthesized).toHaveResourceWithProperties(ApiGatewayAccount, {
      cloudwatch_role_arn: ref("aws_iam_role", roleName, "arn"),
    });
    const [accountName] = onlyResource(json, "aws_api_gateway_account");
    expect(onlyResource(json, "aws_api_gateway_stage")[1].depends_on).toContain(`aws_api_gateway_account.${accountName}`);
    expect(synthesized).not.toMatch(/FullAccess/);

    const shared = build({ cloudWatchRole: "already-configured" });
    expect(shared.json.resource.aws_api_gateway_account).toBeUndefined();
    expect(shared.json.resource.aws_iam_role).toBeUndefined();
    expect(shared.synthesized).toHaveResource(ApiGatewayStage);
  });

  test("answers its own errors in the OIP error shape", () => {
    const { json } = build();
    const responses = resourcesOf(json, "aws_api_gateway_gateway_response").map(([, response]) => response);
    expect(responses.map((response) => response.response_type).sort()).toEqual(["DEFAULT_4XX", "DEFAULT_5XX"]);
    for (const response of responses) {
      const body = JSON.parse(response.response_templates["application/json"].replace("$context.error.messageString", '"Forbidden"'));
      expect(body).toEqual({ error: "Forbidden" });
    }
  });

  test("exposes the CloudFront origin: execute-api host and stage path", () => {
    const { json, api } = build();
    const [restApiName] = onlyResource(json, "aws_api_gateway_rest_api");
    expect(json.output.origin_domain.value).toBe(
      `${ref("aws_api_gateway_rest_api", restApiName, "id")}.execute-api.${ref("aws_api_gateway_rest_api", restApiName, "region")}.amazonaws.com`,
    );
    expect(json.output.origin_path.value).toBe("/live");
    expect(api.methods.size).toBe(EXPECTED_ROUTES.length);
    expect(api.resources.get("/v2/models/{model}/versions/{version}/infer")).toBeDefined();
  });

  test("INFO execution logging is a warned override; OFF creates no execution log group", () => {
    const info = build({ executionLoggingLevel: "INFO" });
    const warnings = info.api.node.metadata.filter((entry) => entry.type === "@cdktf/warn").map((entry) => String(entry.data));
    expect(warnings).toEqual([expect.stringContaining("executionLoggingLevel is INFO")]);
    expect(build().api.node.metadata.filter((entry) => entry.type === "@cdktf/warn")).toEqual([]);

    const off = build({ executionLoggingLevel: "OFF" });
    const groups = resourcesOf(off.json, "aws_cloudwatch_log_group").map(([, group]) => group.name as string);
    expect(groups).toEqual(["/aws/apigateway/edge-inference-dev/live/access"]);
    expect(onlyResource(off.json, "aws_api_gateway_method_settings")[1].settings).toMatchObject({ logging_level: "OFF", data_trace_enabled: false });
  });

  test("misuse fails synth once, one line per problem", () => {
    expect(() =>
      build({
        name: "bad name!",
        stageName: "",
        throttle: { rateLimit: 100, burstLimit: 10 },
        logRetentionDays: 2,
        routes: [
          { path: "/v2/models/{model}", methods: ["GET"] },
          { path: "/v2/models/{name}/ready", methods: [] },
          { path: "v2/", methods: ["GET"] },
        ],
      }),
    ).toThrow(
      new Error(
        [
          "InferenceApi test/api:",
          'routes: "/v2/models/{name}/ready" lists no methods',
          'routes: "v2/" must start with \'/\' and have no empty segments or trailing \'/\'',
          'routes: "/v2/models/{name}/ready" names parameter {name} under /v2/models where another route names {model}; API Gateway allows one parameter name per position',
          'name: "bad name!" must be 1-48 characters of A-Z, a-z, 0-9, \'-\' or \'_\' (it also names an IAM role)',
          'stageName: "" must be 1-128 characters of A-Z, a-z, 0-9, \'-\' or \'_\'',
          "throttle.burstLimit: 10 must be at least rateLimit (100)",
          "logRetentionDays: 2 is not a CloudWatch retention period; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
        ].join("\n"),
      ),
    );
  });

  test("takes a RegionalFunction as its backend", () => {
    const workDir = mkdtempSync(join(tmpdir(), "inference-api-"));
    try {
      const zip = zipSync({ "index.js": [strToU8("exports.handler = async () => ({ statusCode: 204 });\n"), { mtime: new Date("1980-01-01T00:00:00Z") }] });
      const zipPath = join(workDir, "regional.zip");
      writeFileSync(zipPath, zip);
      const stack = new TerraformStack(Testing.app(), "test");
      new AwsProvider(stack, "aws", { region: "eu-west-1" });
      const backend = new RegionalFunction(stack, "regional", {
        functionName: "edge-inference-dev-regional",
        code: {
          filename: new TerraformAsset(stack, "code", { path: zipPath, type: AssetType.FILE }).path,
          sourceCodeHash: createHash("sha256").update(zip).digest("base64"),
        },
        memoryMb: 1024,
        timeoutSeconds: 15,
        logRetentionDays: 14,
        modelReadStatements: [],
      });
      new InferenceApi(stack, "api", {
        name: "edge-inference-dev",
        stageName: "live",
        backend,
        throttle: { rateLimit: 50, burstLimit: 100 },
        logRetentionDays: 14,
        cloudWatchRole: "already-configured",
      });
      const json = JSON.parse(Testing.synth(stack, true)) as Json;
      const [functionName] = onlyResource(json, "aws_lambda_function");
      const invokeArn = ref("aws_lambda_function", functionName, "invoke_arn");
      for (const [, integration] of resourcesOf(json, "aws_api_gateway_integration")) expect(integration.uri).toBe(invokeArn);
      expect(onlyResource(json, "aws_api_gateway_deployment")[1].triggers.backend).toBe(invokeArn);
      expect(onlyResource(json, "aws_lambda_permission")[1].function_name).toBe(ref("aws_lambda_function", functionName, "function_name"));
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  });
});
