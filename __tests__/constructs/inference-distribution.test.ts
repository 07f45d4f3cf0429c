import type {} from "cdktf/lib/testing/adapters/jest";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApiGatewayApiKey } from "@cdktf/provider-aws/lib/api-gateway-api-key";
import { CloudfrontCachePolicy } from "@cdktf/provider-aws/lib/cloudfront-cache-policy";
import { CloudfrontFunction } from "@cdktf/provider-aws/lib/cloudfront-function";
import { CloudfrontOriginAccessControl } from "@cdktf/provider-aws/lib/cloudfront-origin-access-control";
import { CloudfrontResponseHeadersPolicy } from "@cdktf/provider-aws/lib/cloudfront-response-headers-policy";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DefaultTokenResolver, StringConcat, TerraformStack, Testing, Tokenization } from "cdktf";
import { SHARED_FIXTURES } from "../shared-fixtures";
import { synthWarnings } from "./assertions";
import type { ModelArtifact } from "../../src/config/models";
import {
  InferenceDistribution,
  type DistributionEdgeFunction,
  type DistributionModel,
  type InferenceDistributionProps,
} from "../../src/constructs/inference-distribution";
import { ModelStore } from "../../src/constructs/model-store";
import { MANAGED_CACHE_POLICY, MANAGED_ORIGIN_REQUEST_POLICY } from "../../src/defaults/cloudfront";
import { ProblemsError } from "../../src/problems";

const CONTEXT = JSON.parse(readFileSync(join(__dirname, "../../cdktf.json"), "utf8")).context;
const MNIST = join(SHARED_FIXTURES, "models", "mnist.onnx");
const EDGE_VERSION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:edge-inference-dev-edge:7";
/** A stand-in for EdgeInferenceFunction: the association it gives (its own tests cover the real one). */
const edgeFunctionAt = (lambdaArn: string, eventType = "origin-request"): DistributionEdgeFunction => ({
  association: (options) => ({ eventType, lambdaArn, ...options }),
});
const CERTIFICATE_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab";
const WEB_ACL_ARN = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge-inference/1234abcd-12ab-34cd-56ef-1234567890ab";
const CACHE = { minTtlSeconds: 0, defaultTtlSeconds: 300, maxTtlSeconds: 3600 };

const IRIS: DistributionModel = {
  name: "iris",
  serve: "edge",
  queryParameterNames: ["sepal_length", "sepal_width", "petal_length", "petal_width"],
};
const TITANIC: DistributionModel = { name: "titanic", serve: "regional", queryParameterNames: ["age", "fare", "sex"] };

function artifact(name: string): ModelArtifact {
  const sha256 = createHash("sha256").update(readFileSync(MNIST)).digest("hex");
  return {
    name,
    serve: "edge",
    directory: join(SHARED_FIXTURES, "models"),
    modelPath: MNIST,
    manifestPath: undefined,
    manifest: undefined,
    sha256,
    version: sha256.slice(0, 12),
  };
}

/** A stack like the inference stack: regional default provider, aliased us-east-1 provider, a real API key, model store and viewer function. */
function build(overrides: Partial<InferenceDistributionProps> = {}) {
  const stack = new TerraformStack(Testing.app({ context: CONTEXT }), "inference");
  new AwsProvider(stack, "regional", { region: "eu-west-1" });
  const usEast1 = new AwsProvider(stack, "us_east_1", { region: "us-east-1", alias: "us_east_1" });
  const apiKey = new ApiGatewayApiKey(stack, "api_key", { name: "edge-inference-dev-cloudfront" });
  const store = new ModelStore(stack, "model_store", {
    models: [artifact("iris"), artifact("titanic")],
    bucketPrefix: "edge-inference-dev-models-",
    noncurrentVersionExpirationDays: 30,
  });
  const viewerFunction = new CloudfrontFunction(stack, "viewer_request", {
    provider: usEast1,
    name: "edge-inference-dev-viewer-request",
    runtime: "cloudfront-js-2.0",
    code: "function handler(event) { return event.request; }",
  });
  const distribution = new InferenceDistribution(stack, "cdn", {
    namePrefix: "edge-inference-dev",
    api: { originDomainName: "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com", originPath: "/dev", apiKeyValue: apiKey.value },
    modelStore: store,
    models: [IRIS, TITANIC],
    viewerRequestFunctionArn: viewerFunction.arn,
    edgeFunction: edgeFunctionAt(EDGE_VERSION_ARN),
    cache: CACHE,
    priceClass: "PriceClass_100",
    geoRestriction: { type: "none" },
    provider: usEast1,
    ...overrides,
  });
  return { stack, distribution, store };
}

interface Behavior {
  path_pattern?: string;
  target_origin_id: string;
  viewer_protocol_policy: string;
  compress: boolean;
  allowed_methods: string[];
  cached_methods: string[];
  cache_policy_id: string;
  origin_request_policy_id?: string;
  response_headers_policy_id: string;
  forwarded_values?: unknown;
  function_association?: { event_type: string; function_arn: string }[];
  lambda_function_association?: { event_type: string; lambda_arn: string; include_body: boolean }[];
}

interface SynthesizedDistribution {
  provider: string;
  ordered_cache_behavior: Behavior[];
  default_cache_behavior: Behavior;
  origin: Record<string, unknown>[];
  [key: string]: unknown;
}

function resources(synth: string, type: string): Record<string, Record<string, unknown>> {
  return JSON.parse(synth).resource[type] ?? {};
}

/** `${type.name.attribute}` for the only resource of that type. */
function reference(synth: string, type: string, attribute: string): string {
  const names = Object.keys(resources(synth, type));
  expect(names).toHaveLength(1);
  return `\${${type}.${names[0]}.${attribute}}`;
}

function synthesized(overrides: Partial<InferenceDistributionProps> = {}) {
  const built = build(overrides);
  const synth = Testing.synth(built.stack, true);
  const [distribution] = Object.values(resources(synth, "aws_cloudfront_distribution")) as SynthesizedDistribution[];
  const behaviors = new Map(distribution.ordered_cache_behavior.map((behavior) => [behavior.path_pattern, behavior]));
  const cachePolicyRef = reference(synth, "aws_cloudfront_cache_policy", "id");
  return { ...built, synth, json: distribution, behaviors, cachePolicyRef };
}

function queryStringsConfig(synth: string): unknown {
  const [policy] = Object.values(resources(synth, "aws_cloudfront_cache_policy")) as {
    parameters_in_cache_key_and_forwarded_to_origin: { query_strings_config: unknown };
  }[];
  return policy.parameters_in_cache_key_and_forwarded_to_origin.query_strings_config;
}

function problemsOf(overrides: Partial<InferenceDistributionProps>): string[] {
  try {
    build(overrides);
  } catch (error) {
    expect(error).toBeInstanceOf(ProblemsError);
    return [...(error as ProblemsError).problems];
  }
  throw new Error("expected InferenceDistribution to refuse these props");
}

const VIEWER_FUNCTION_REF = "${aws_cloudfront_function.viewer_request.arn}";
const API_PATHS = ["/v2/models/titanic", "/v2/models/titanic/*", "/v2/models/*", "/v2/health/*", "/v2"];

describe("InferenceDistribution cache behaviors", () => {
  const { json, behaviors, cachePolicyRef, synth } = synthesized();
  const all = [...json.ordered_cache_behavior, json.default_cache_behavior];

  it("orders behaviors so model files, then regional models, then edge inference, then health match first", () => {
    expect(json.ordered_cache_behavior.map((behavior) => behavior.path_pattern)).toEqual(["/models/*", ...API_PATHS]);
  });

  it("sends /models/* to the bucket with CachingOptimized, read methods and no functions", () => {
    expect(behaviors.get("/models/*")).toMatchObject({
      target_origin_id: "model-bucket",
      cache_policy_id: MANAGED_CACHE_POLICY.CachingOptimized,
      allowed_methods: ["GET", "HEAD", "OPTIONS"],
      cached_methods: ["GET", "HEAD"],
      compress: true,
    });
    const models = behaviors.get("/models/*");
    expect(models?.origin_request_policy_id).toBeUndefined();
    expect(models?.function_association).toBeUndefined();
    expect(models?.lambda_function_association).toBeUndefined();
  });

  it("keys every /v2 behavior with the inference policy, because CloudFront picks the behavior before the viewer function rewrites the path", () => {
    for (const path of API_PATHS) expect(behaviors.get(path)?.cache_policy_id).toBe(cachePolicyRef);
    expect(json.default_cache_behavior.cache_policy_id).toBe(MANAGED_CACHE_POLICY.CachingDisabled);
  });

  it("forwards every viewer header but Host to the API, and accepts POST where inference is posted", () => {
    for (const path of API_PATHS) {
      expect(behaviors.get(path)).toMatchObject({
        target_origin_id: "inference-api",
        origin_request_policy_id: MANAGED_ORIGIN_REQUEST_POLICY.AllViewerExceptHostHeader,
      });
    }
    expect(MANAGED_ORIGIN_REQUEST_POLICY.AllViewerExceptHostHeader).toBe("b689b0a8-53d0-40ab-baf2-68738e2966ac");
    for (const path of API_PATHS.slice(0, 3)) {
      expect(behaviors.get(path)?.allowed_methods).toEqual(["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]);
    }
    expect(behaviors.get("/v2/health/*")?.allowed_methods).toEqual(["GET", "HEAD"]);
    expect(behaviors.get("/v2")?.allowed_methods).toEqual(["GET", "HEAD"]);
    expect(json.default_cache_behavior).toMatchObject({
      target_origin_id: "inference-api",
      origin_request_policy_id: MANAGED_ORIGIN_REQUEST_POLICY.AllViewerExceptHostHeader,
    });
  });

  it("runs the edge function at origin-request, with the body, on the shared model behaviors only", () => {
    const edge = [{ event_type: "origin-request", lambda_arn: EDGE_VERSION_ARN, include_body: true }];
    expect(behaviors.get("/v2/models/*")?.lambda_function_association).toEqual(edge);
    for (const path of ["/models/*", "/v2/models/titanic", "/v2/models/titanic/*", "/v2/health/*", "/v2"]) {
      expect(behaviors.get(path)?.lambda_function_association).toBeUndefined();
    }
    expect(json.default_cache_behavior.lambda_function_association).toBeUndefined();
  });

  it("runs the viewer-request function on every /v2 behavior and nowhere else", () => {
    for (const path of API_PATHS) {
      expect(behaviors.get(path)?.function_association).toEqual([{ event_type: "viewer-request", function_arn: VIEWER_FUNCTION_REF }]);
    }
    expect(json.default_cache_behavior.function_association).toBeUndefined();
  });

  it("redirects HTTP to HTTPS, compresses and adds the security headers on every behavior", () => {
    const headersPolicy = reference(synth, "aws_cloudfront_response_headers_policy", "id");
    for (const behavior of all) {
      expect(behavior).toMatchObject({ viewer_protocol_policy: "redirect-to-https", compress: true, response_headers_policy_id: headersPolicy });
      expect(behavior.cached_methods).toEqual(["GET", "HEAD"]);
    }
  });

  it("never uses legacy forwarded_values or per-behavior TTLs", () => {
    for (const behavior of all) {
      expect(Object.keys(behavior)).not.toEqual(expect.arrayContaining(["forwarded_values"]));
      expect(Object.keys(behavior).filter((key) => key.endsWith("_ttl"))).toEqual([]);
    }
  });

  it("puts the distribution and its policies on the us-east-1 provider", () => {
    for (const type of ["aws_cloudfront_distribution", "aws_cloudfront_cache_policy", "aws_cloudfront_response_headers_policy", "aws_cloudfront_origin_access_control"]) {
      for (const resource of Object.values(resources(synth, type))) expect(resource.provider).toBe("aws.us_east_1");
    }
  });
});

describe("InferenceDistribution edge association", () => {
  it("attaches no edge function when none is given, and warns that edge models are served regionally", () => {
    const { json, stack } = synthesized({ edgeFunction: undefined });
    for (const behavior of [...json.ordered_cache_behavior, json.default_cache_behavior]) {
      expect(behavior.lambda_function_association).toBeUndefined();
    }
    expect(synthWarnings(stack)).toEqual([expect.stringContaining("models iris are configured to serve at the edge, but no edgeFunction")]);
  });

  it("attaches no edge function when every model serves regionally, and keeps per-model behaviors", () => {
    const { json, stack } = synthesized({ models: [TITANIC, { ...IRIS, serve: "regional" }] });
    for (const behavior of [...json.ordered_cache_behavior, json.default_cache_behavior]) {
      expect(behavior.lambda_function_association).toBeUndefined();
    }
    expect(json.ordered_cache_behavior.map((behavior) => behavior.path_pattern)).toEqual([
      "/models/*",
      "/v2/models/titanic",
      "/v2/models/titanic/*",
      "/v2/models/iris",
      "/v2/models/iris/*",
      "/v2/models/*",
      "/v2/health/*",
      "/v2",
    ]);
    expect(synthWarnings(stack)).toEqual([expect.stringContaining("the edge function is not attached to any behavior")]);
  });

  it("needs no per-model behaviors when every model serves at the edge", () => {
    const { json } = synthesized({ models: [IRIS] });
    expect(json.ordered_cache_behavior.map((behavior) => behavior.path_pattern)).toEqual(["/models/*", ...API_PATHS.slice(2)]);
  });
});

describe("InferenceDistribution origins", () => {
  const { json, synth } = synthesized();
  const [api, bucket] = json.origin;

  it("reaches the API over HTTPS only with TLSv1.2, at the stage path, with the API key header", () => {
    expect(api).toEqual({
      origin_id: "inference-api",
      domain_name: "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com",
      origin_path: "/dev",
      custom_origin_config: {
        http_port: 80,
        https_port: 443,
        origin_protocol_policy: "https-only",
        origin_ssl_protocols: ["TLSv1.2"],
        origin_read_timeout: 30,
        origin_keepalive_timeout: 5,
      },
      custom_header: [{ name: "x-api-key", value: "${aws_api_gateway_api_key.api_key.value}" }],
    });
  });

  it("reaches the model bucket through an origin access control that signs every request", () => {
    const [oacId] = Object.keys(resources(synth, "aws_cloudfront_origin_access_control"));
    expect(bucket).toMatchObject({
      origin_id: "model-bucket",
      origin_access_control_id: `\${aws_cloudfront_origin_access_control.${oacId}.id}`,
    });
    // The provider supplies the empty S3 config itself and never reads one back: declaring it is a perpetual diff.
    expect(bucket.s3_origin_config).toBeUndefined();
    expect(String(bucket.domain_name)).toMatch(/^\$\{aws_s3_bucket\.[\w-]+\.bucket_regional_domain_name\}$/);
    expect(synth).toHaveResourceWithProperties(CloudfrontOriginAccessControl, {
      name: "edge-inference-dev-models",
      origin_access_control_origin_type: "s3",
      signing_behavior: "always",
      signing_protocol: "sigv4",
    });
  });

  it("lets only this distribution read models/* from the bucket", () => {
    const documents = Object.values(JSON.parse(synth).data.aws_iam_policy_document) as { statement: Record<string, unknown>[] }[];
    const grant = documents.flatMap((document) => document.statement).find((statement) => statement.sid === "AllowCloudFrontReadModels");
    expect(grant).toMatchObject({
      actions: ["s3:GetObject"],
      principals: [{ type: "Service", identifiers: ["cloudfront.amazonaws.com"] }],
      condition: [{ test: "StringEquals", variable: "AWS:SourceArn", values: [reference(synth, "aws_cloudfront_distribution", "arn")] }],
    });
  });

  it("takes timeouts from props, warning about the quota above 60 s", () => {
    const { json: custom, stack } = synthesized({ originReadTimeoutSeconds: 90, originKeepaliveTimeoutSeconds: 10 });
    expect(custom.origin[0]).toMatchObject({ custom_origin_config: { origin_read_timeout: 90, origin_keepalive_timeout: 10 } });
    expect(synthWarnings(stack)).toEqual([expect.stringContaining("origin timeouts above 60 s")]);
  });
});

describe("InferenceDistribution viewer side", () => {
  it("serves HTTP/2 and HTTP/3 over IPv4 and IPv6 with the configured price class, default certificate and no geo restriction", () => {
    const { json } = synthesized();
    expect(json).toMatchObject({
      enabled: true,
      is_ipv6_enabled: true,
      http_version: "http2and3",
      price_class: "PriceClass_100",
      restrictions: { geo_restriction: { restriction_type: "none", locations: [] } },
      viewer_certificate: { cloudfront_default_certificate: true },
    });
    expect(json.aliases).toBeUndefined();
    expect(json.web_acl_id).toBeUndefined();
    expect(json.default_root_object).toBeUndefined();
  });

  it("applies an allow-list geo restriction", () => {
    const { json } = synthesized({ priceClass: "PriceClass_All", geoRestriction: { type: "whitelist", locations: ["FR", "DE"] } });
    expect(json).toMatchObject({
      price_class: "PriceClass_All",
      restrictions: { geo_restriction: { restriction_type: "whitelist", locations: ["DE", "FR"] } },
    });
  });

  it("uses the custom domain's certificate with SNI and TLSv1.2_2021, and the alias in download URLs", () => {
    const { json, distribution } = synthesized({
      customDomain: { aliases: ["inference.example.com"], acmCertificateArn: CERTIFICATE_ARN },
    });
    expect(json.aliases).toEqual(["inference.example.com"]);
    expect(json.viewer_certificate).toEqual({
      acm_certificate_arn: CERTIFICATE_ARN,
      ssl_support_method: "sni-only",
      minimum_protocol_version: "TLSv1.2_2021",
    });
    expect(distribution.publicDomainName).toBe("inference.example.com");
    expect(distribution.modelDownloadUrlPattern).toBe("https://inference.example.com/models/<name>/<version>/model.onnx");
  });

  it("attaches the WAF web ACL", () => {
    const { json } = synthesized({ webAclArn: WEB_ACL_ARN });
    expect(json.web_acl_id).toBe(WEB_ACL_ARN);
  });

  it("never caches error responses and keeps the origin's error body", () => {
    const { json } = synthesized();
    expect(json.custom_error_response).toEqual(
      [400, 403, 404, 405, 414, 500, 501, 502, 503, 504].map((error_code) => ({ error_code, error_caching_min_ttl: 0 })),
    );
  });

  it("exposes id, ARN, domain, hosted zone and the model download URL pattern", () => {
    const { distribution, stack, store, synth } = synthesized();
    const resolve = (value: string) =>
      String(Tokenization.resolve(value, { scope: stack, resolver: new DefaultTokenResolver(new StringConcat()) }));
    const attribute = (name: string) => reference(synth, "aws_cloudfront_distribution", name);
    expect(resolve(distribution.distributionId)).toBe(attribute("id"));
    expect(resolve(distribution.arn)).toBe(attribute("arn"));
    expect(resolve(distribution.domainName)).toBe(attribute("domain_name"));
    expect(resolve(distribution.hostedZoneId)).toBe(attribute("hosted_zone_id"));
    expect(resolve(distribution.publicDomainName)).toBe(attribute("domain_name"));
    expect(resolve(distribution.modelDownloadUrlPattern)).toBe(`https://${attribute("domain_name")}/models/<name>/<version>/model.onnx`);
    const version = artifact("iris").version;
    expect(resolve(distribution.modelDownloadUrl("iris", version))).toBe(`https://${attribute("domain_name")}/${store.objectKey("iris")}`);
  });
});

describe("InferenceDistribution policies", () => {
  it("adds HSTS for two years with subdomains, nosniff, frame DENY, no-referrer and a locked-down CSP, overriding the origin", () => {
    const { synth, stack } = synthesized();
    expect(synth).toHaveResourceWithProperties(CloudfrontResponseHeadersPolicy, {
      name: "edge-inference-dev-security-headers",
      security_headers_config: {
        strict_transport_security: { access_control_max_age_sec: 63072000, include_subdomains: true, preload: false, override: true },
        content_type_options: { override: true },
        frame_options: { frame_option: "DENY", override: true },
        referrer_policy: { referrer_policy: "no-referrer", override: true },
        xss_protection: { protection: false, override: true },
        content_security_policy: { content_security_policy: "default-src 'none'; frame-ancestors 'none'", override: true },
      },
    });
    const [policy] = Object.values(resources(synth, "aws_cloudfront_response_headers_policy"));
    expect(policy.cors_config).toBeUndefined();
    expect(policy.server_timing_headers_config).toBeUndefined();
    expect(synthWarnings(stack)).toEqual([]);
  });

  it("lets a caller override one header, warning when it weakens the default", () => {
    const { synth, stack } = synthesized({ securityHeaders: { frameOption: "SAMEORIGIN", contentSecurityPolicy: null } });
    const [policy] = Object.values(resources(synth, "aws_cloudfront_response_headers_policy")) as {
      security_headers_config: Record<string, unknown>;
    }[];
    expect(policy.security_headers_config.frame_options).toEqual({ frame_option: "SAMEORIGIN", override: true });
    expect(policy.security_headers_config.strict_transport_security).toMatchObject({ access_control_max_age_sec: 63072000 });
    expect(policy.security_headers_config.content_security_policy).toBeUndefined();
    expect(synthWarnings(stack)).toEqual([
      expect.stringContaining("frameOption is SAMEORIGIN"),
      expect.stringContaining("contentSecurityPolicy is unset"),
    ]);
  });

  it("keys the inference cache on the models' GET input names only, with TTLs from config and compression", () => {
    const { synth } = synthesized();
    expect(synth).toHaveResourceWithProperties(CloudfrontCachePolicy, {
      name: "edge-inference-dev-inference",
      min_ttl: 0,
      default_ttl: 300,
      max_ttl: 3600,
      parameters_in_cache_key_and_forwarded_to_origin: {
        query_strings_config: {
          query_string_behavior: "whitelist",
          query_strings: { items: ["age", "fare", "petal_length", "petal_width", "sepal_length", "sepal_width", "sex"] },
        },
        headers_config: { header_behavior: "none" },
        cookies_config: { cookie_behavior: "none" },
        enable_accept_encoding_gzip: true,
        enable_accept_encoding_brotli: true,
      },
    });
  });

  it("keys on all query strings when the input names exceed the per-policy quota of 10", () => {
    const wide: DistributionModel = { name: "wide", serve: "edge", queryParameterNames: ["a", "b", "c", "d", "e"] };
    const { synth } = synthesized({ models: [IRIS, TITANIC, wide] });
    expect(queryStringsConfig(synth)).toEqual({ query_string_behavior: "all" });

    const { synth: raised } = synthesized({ models: [IRIS, TITANIC, wide], queryStringQuota: 12 });
    expect(queryStringsConfig(raised)).toMatchObject({ query_string_behavior: "whitelist", query_strings: { items: expect.arrayContaining(["a", "e", "sex"]) } });
  });

  it("keys on no query string when no model takes GET inputs", () => {
    const { synth } = synthesized({ models: [{ ...IRIS, queryParameterNames: [] }] });
    expect(queryStringsConfig(synth)).toEqual({ query_string_behavior: "none" });
  });
});

describe("InferenceDistribution refuses at synth", () => {
  const cases: [string, Partial<InferenceDistributionProps>, RegExp][] = [
    ["min > default", { cache: { minTtlSeconds: 0, defaultTtlSeconds: 600, maxTtlSeconds: 300 } }, /minTtlSeconds <= defaultTtlSeconds <= maxTtlSeconds \(got 0, 600, 300\)/],
    ["all TTLs 0", { cache: { minTtlSeconds: 0, defaultTtlSeconds: 0, maxTtlSeconds: 0 } }, /every TTL is 0 but the inference cache policy has cache-key parameters/],
    ["min TTL above 0", { cache: { minTtlSeconds: 60, defaultTtlSeconds: 300, maxTtlSeconds: 3600 } }, /minTtlSeconds: 60 would make CloudFront cache responses marked Cache-Control: no-store/],
    ["a TTL over a year", { cache: { minTtlSeconds: 0, defaultTtlSeconds: 300, maxTtlSeconds: 40_000_000 } }, /maxTtlSeconds: 40000000 must be a whole number of seconds from 0 to 31536000/],
    ["$LATEST", { edgeFunction: edgeFunctionAt("arn:aws:lambda:us-east-1:123456789012:function:edge:$LATEST") }, /must end in a published version number/],
    ["an unqualified edge function", { edgeFunction: edgeFunctionAt("arn:aws:lambda:us-east-1:123456789012:function:edge") }, /must end in a published version number/],
    ["a viewer-request edge function", { edgeFunction: edgeFunctionAt(EDGE_VERSION_ARN, "viewer-request") }, /edgeFunction: its event type is viewer-request; edge inference runs at origin-request/],
    ["an edge function outside us-east-1", { edgeFunction: edgeFunctionAt("arn:aws:lambda:eu-west-1:123456789012:function:edge:3") }, /the function is in eu-west-1; Lambda@Edge functions must be created in us-east-1/],
    ["a certificate outside us-east-1", { customDomain: { aliases: ["inference.example.com"], acmCertificateArn: CERTIFICATE_ARN.replace("us-east-1", "eu-west-1") } }, /the certificate is in eu-west-1; CloudFront only uses ACM certificates from us-east-1/],
    ["a regional web ACL", { webAclArn: WEB_ACL_ARN.replace("us-east-1", "eu-west-1").replace("global/", "regional/") }, /REGIONAL scope in eu-west-1; CloudFront needs one created with scope CLOUDFRONT in us-east-1/],
    ["a price class typo", { priceClass: "PriceClass_300" as never }, /priceClass: "PriceClass_300" is not a CloudFront price class/],
    ["a bad viewer function ARN", { viewerRequestFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:viewer:1" }, /is not a CloudFront Function ARN/],
    ["an empty geo allow-list", { geoRestriction: { type: "whitelist", locations: [] } }, /a whitelist needs at least one country code/],
    ["an origin path with a trailing slash", { api: { originDomainName: "x.execute-api.eu-west-1.amazonaws.com", originPath: "/dev/", apiKeyValue: "k" } }, /api.originPath: "\/dev\/" must start with '\/' and not end with '\/'/],
    ["no models", { models: [] }, /models: is empty/],
    ["an HSTS preload without a year", { securityHeaders: { hstsPreload: true, hstsMaxAgeSeconds: 600 } }, /hstsPreload: browsers' preload lists require includeSubdomains and a max-age of at least one year/],
  ];

  it.each(cases)("%s", (_name, overrides, message) => {
    const problems = problemsOf(overrides);
    expect(problems).toEqual([expect.stringMatching(message)]);
    expect(problems[0]).toMatch(/^InferenceDistribution inference\/cdn: /);
    expect(problems[0]).not.toContain("\n");
  });

  it("a provider outside us-east-1", () => {
    const stack = new TerraformStack(Testing.app(), "wrong-provider");
    const regional = new AwsProvider(stack, "regional", { region: "eu-west-1" });
    const store = { bucketRegionalDomainName: "b.s3.eu-west-1.amazonaws.com", modelKeyPrefix: "models/", grantDistributionRead: () => undefined };
    expect(
      () =>
        new InferenceDistribution(stack, "cdn", {
          namePrefix: "edge-inference-dev",
          api: { originDomainName: "x.execute-api.eu-west-1.amazonaws.com", originPath: "/dev", apiKeyValue: "k" },
          modelStore: store,
          models: [IRIS],
          viewerRequestFunctionArn: "arn:aws:cloudfront::123456789012:function/viewer",
          cache: CACHE,
          priceClass: "PriceClass_100",
          geoRestriction: { type: "none" },
          provider: regional,
        }),
    ).toThrow(/provider: is in eu-west-1; pass the us-east-1 provider/);
  });

  it("more cache behaviors than the quota, naming the count and the fix", () => {
    const regional = Array.from({ length: 11 }, (_, index) => ({ name: `model-${index}`, serve: "regional" as const, queryParameterNames: ["x"] }));
    expect(problemsOf({ models: regional })).toEqual([
      expect.stringContaining(
        '11 regional models need 26 cache behaviors, over the quota of 25 per distribution; serve some of them at the edge, or request a higher "Cache behaviors per distribution" quota and pass it as cacheBehaviorQuota',
      ),
    ]);
    expect(() => build({ models: regional, cacheBehaviorQuota: 75 })).not.toThrow();
  });

  it("every problem at once, one line each", () => {
    const problems = problemsOf({
      cache: { minTtlSeconds: 10, defaultTtlSeconds: 5, maxTtlSeconds: 1 },
      priceClass: "PriceClass_1" as never,
      edgeFunction: edgeFunctionAt("arn:aws:lambda:us-west-2:123456789012:function:edge"),
    });
    expect(problems).toHaveLength(5);
  });
});

describe("InferenceDistribution synthesis", () => {
  it("is byte-identical across runs", () => {
    expect(Testing.synth(build().stack, true)).toBe(Testing.synth(build().stack, true));
  });
});
