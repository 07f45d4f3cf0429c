import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ProblemsError } from "../../src/problems";
import { MANAGED_CACHE_POLICIES, MANAGED_ORIGIN_REQUEST_POLICIES } from "./managed-policies";
import { block, blocks, referenceOf, referencesIn, stringList, TerraformStack, type TerraformResource } from "./terraform-json";

/**
 * The distribution of one synthesized stack, as the emulator runs it. Everything here is read from
 * cdk.tf.json (managed policies from their AWS-documented settings), never from config/, so the
 * emulator and the deployment cannot disagree.
 */
export interface EmulatedDistribution {
  readonly stack: string;
  readonly stackDir: string;
  /** What viewers and events see as the distribution's domain: `d<13 hex>.cloudfront.net`. */
  readonly domainName: string;
  readonly distributionId: string;
  /** Ordered cache behaviors, first match wins; then `defaultBehavior`. */
  readonly behaviors: readonly Behavior[];
  readonly defaultBehavior: Behavior;
  readonly origins: ReadonlyMap<string, Origin>;
  /** custom_error_response error_caching_min_ttl per status code; CloudFront's default is 10 s. */
  readonly errorCachingMinTtl: ReadonlyMap<number, number>;
  /** Every Lambda function a behavior or the API invokes, by resource address. */
  readonly lambdas: ReadonlyMap<string, LambdaFunction>;
  /** Settings the emulator reads but does not act on, for the start-up message. */
  readonly notEmulated: readonly string[];
}

export type SelectionBehavior = "none" | "whitelist" | "allExcept" | "all" | "allViewer" | "allViewerAndWhitelistCloudFront";

export interface Selection {
  readonly behavior: SelectionBehavior;
  /** Lower-case for headers; as written for query strings and cookies. */
  readonly names: readonly string[];
}

export interface CachePolicy {
  readonly name: string;
  readonly minTtl: number;
  readonly defaultTtl: number;
  readonly maxTtl: number;
  readonly queryStrings: Selection;
  readonly headers: Selection;
  readonly cookies: Selection;
  readonly gzip: boolean;
  readonly brotli: boolean;
}

export interface OriginRequestPolicy {
  readonly name: string;
  readonly headers: Selection;
  readonly cookies: Selection;
  readonly queryStrings: Selection;
}

export interface ResponseHeader {
  readonly name: string;
  readonly value: string;
  readonly override: boolean;
}

export interface ResponseHeadersPolicy {
  readonly name: string;
  readonly headers: readonly ResponseHeader[];
  /** Lower-case names removed from origin responses. */
  readonly remove: readonly string[];
}

export interface ViewerFunction {
  readonly address: string;
  readonly name: string;
  readonly runtime: string;
  readonly code: string;
}

export interface LambdaFunction {
  readonly address: string;
  readonly functionName: string;
  readonly zipPath: string;
  /** `index.handler`: file and export. */
  readonly handler: string;
  readonly timeoutSeconds: number;
  readonly sourceCodeHash: string;
}

export interface Behavior {
  /** Undefined for the default behavior. */
  readonly pathPattern?: string;
  readonly allowedMethods: readonly string[];
  readonly cachedMethods: readonly string[];
  readonly compress: boolean;
  readonly cachePolicy: CachePolicy;
  readonly originRequestPolicy?: OriginRequestPolicy;
  readonly responseHeadersPolicy?: ResponseHeadersPolicy;
  readonly viewerRequest?: ViewerFunction;
  readonly originRequest?: { readonly lambda: LambdaFunction; readonly includeBody: boolean };
  readonly originId: string;
}

export interface ApiOrigin {
  readonly kind: "api";
  readonly id: string;
  readonly domainName: string;
  readonly originPath: string;
  readonly customHeaders: readonly { readonly name: string; readonly value: string }[];
  readonly readTimeoutSeconds: number;
  readonly keepaliveTimeoutSeconds: number;
  readonly sslProtocols: readonly string[];
  readonly api: RestApi;
}

export interface S3Object {
  readonly file: string;
  readonly contentType: string;
  readonly cacheControl?: string;
}

export interface S3Origin {
  readonly kind: "s3";
  readonly id: string;
  readonly domainName: string;
  readonly originPath: string;
  /** Object key -> the asset file synth wrote for it. */
  readonly objects: ReadonlyMap<string, S3Object>;
}

export type Origin = ApiOrigin | S3Origin;

export interface ApiMethod {
  readonly httpMethod: string;
  readonly apiKeyRequired: boolean;
  /** AWS_PROXY integrations only; anything else is reported as not emulated. */
  readonly lambda?: LambdaFunction;
}

export interface ApiResource {
  /** `/v2/models/{model}`; the root is `/`. */
  readonly path: string;
  readonly pathPart: string;
  readonly children: ApiResource[];
  readonly methods: Map<string, ApiMethod>;
}

export interface GatewayResponse {
  readonly statusCode?: number;
  readonly templates: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
}

export interface RestApi {
  readonly address: string;
  readonly id: string;
  readonly stageName: string;
  readonly binaryMediaTypes: readonly string[];
  readonly root: ApiResource;
  /** Values of the enabled API keys in a usage plan of this stage. */
  readonly apiKeys: ReadonlySet<string>;
  /** By response type (DEFAULT_4XX, MISSING_AUTHENTICATION_TOKEN, ...). */
  readonly gatewayResponses: ReadonlyMap<string, GatewayResponse>;
}

/** API key values are secrets Terraform generates at apply; the emulator makes one per run. */
export interface LoadOptions {
  readonly apiKeyValue?: (address: string) => string;
}

const DEFAULT_ERROR_CACHING_MIN_TTL = 10;

function shortHash(text: string, length: number): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

/** Reads `<outdir>/stacks/<stack>/cdk.tf.json` into the model the emulator runs. Throws ProblemsError, one line per problem. */
export function loadDistribution(outdir: string, stack: string, options: LoadOptions = {}): EmulatedDistribution {
  const stackDir = join(outdir, "stacks", stack);
  const file = join(stackDir, "cdk.tf.json");
  if (!existsSync(file)) throw new ProblemsError([`no synthesized stack ${stack}: ${file} does not exist`]);
  return new DistributionReader(TerraformStack.read(stack, file), stackDir, options).read();
}

class DistributionReader {
  private readonly problems: string[] = [];
  private readonly notEmulated: string[] = [];
  private readonly lambdas = new Map<string, LambdaFunction>();
  private readonly apiKeyValues = new Map<string, string>();
  private readonly regions: Record<string, string>;

  constructor(
    private readonly tf: TerraformStack,
    private readonly stackDir: string,
    private readonly options: LoadOptions,
  ) {
    const providers = (tf.json as { provider?: { aws?: { alias?: string; region?: string }[] } }).provider?.aws ?? [];
    this.regions = Object.fromEntries(providers.map((provider) => [provider.alias ? `aws.${provider.alias}` : "aws", provider.region ?? "us-east-1"]));
  }

  read(): EmulatedDistribution {
    const distributions = this.tf.ofType("aws_cloudfront_distribution");
    if (distributions.length !== 1) {
      throw new ProblemsError([`${this.tf.stack}: has ${distributions.length} aws_cloudfront_distribution resources; the emulator serves a stack with exactly one`]);
    }
    const distribution = distributions[0];
    const body = distribution.body;
    const origins = new Map<string, Origin>();
    for (const origin of blocks(body.origin)) {
      const read = this.attempt(() => this.origin(origin));
      if (read) origins.set(read.id, read);
    }
    const behaviors: Behavior[] = [];
    for (const [index, behavior] of blocks(body.ordered_cache_behavior).entries()) {
      const read = this.attempt(() => this.behavior(behavior, `ordered_cache_behavior[${index}]`, origins));
      if (read) behaviors.push(read);
    }
    const defaultBehavior = this.attempt(() => this.behavior(block(body.default_cache_behavior) ?? {}, "default_cache_behavior", origins));
    const errorCachingMinTtl = new Map<number, number>();
    for (const response of blocks(body.custom_error_response)) {
      if (response.response_page_path !== undefined || response.response_code !== undefined) {
        this.notEmulated.push(`custom error page for ${String(response.error_code)} (its caching TTL is emulated)`);
      }
      errorCachingMinTtl.set(Number(response.error_code), numberOr(response.error_caching_min_ttl, DEFAULT_ERROR_CACHING_MIN_TTL));
    }
    if (body.web_acl_id !== undefined) this.notEmulated.push("web ACL (WAF rules are not applied)");
    const geo = block(block(body.restrictions)?.geo_restriction);
    if (geo && geo.restriction_type !== "none") this.notEmulated.push(`geo restriction (${String(geo.restriction_type)})`);
    if (this.problems.length > 0 || !defaultBehavior) throw new ProblemsError(this.problems.map((problem) => `${this.tf.stack}: ${problem}`));
    const id = shortHash(`${this.tf.stack}/${distribution.address}`, 13);
    return {
      stack: this.tf.stack,
      stackDir: this.stackDir,
      domainName: `d${id}.cloudfront.net`,
      distributionId: `E${id.toUpperCase()}`,
      behaviors,
      defaultBehavior,
      origins,
      errorCachingMinTtl,
      lambdas: this.lambdas,
      notEmulated: [...new Set(this.notEmulated)],
    };
  }

  private attempt<T>(read: () => T): T | undefined {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof ProblemsError)) throw error;
      this.problems.push(...error.problems.map((problem) => problem.replace(`${this.tf.stack}: `, "")));
      return undefined;
    }
  }

  private fail(message: string): never {
    throw new ProblemsError([message]);
  }

  // ---- behaviors -------------------------------------------------------------------------------

  private behavior(body: Record<string, unknown>, where: string, origins: ReadonlyMap<string, Origin>): Behavior {
    if (body.forwarded_values !== undefined) this.fail(`${where}: uses legacy forwarded_values; the emulator reads cache policies only`);
    const originId = String(body.target_origin_id);
    if (!origins.has(originId)) this.fail(`${where}: target_origin_id ${JSON.stringify(originId)} names no origin of the distribution`);
    let viewerRequest: ViewerFunction | undefined;
    for (const association of blocks(body.function_association)) {
      if (association.event_type !== "viewer-request") {
        this.notEmulated.push(`CloudFront Function at ${String(association.event_type)}`);
        continue;
      }
      viewerRequest = this.viewerFunction(association.function_arn, `${where}.function_association`);
    }
    let originRequest: Behavior["originRequest"];
    for (const association of blocks(body.lambda_function_association)) {
      if (association.event_type !== "origin-request") {
        this.notEmulated.push(`Lambda@Edge at ${String(association.event_type)}`);
        continue;
      }
      const fn = this.tf.target(association.lambda_arn, "aws_lambda_function", "qualified_arn", `${where}.lambda_function_association.lambda_arn`);
      originRequest = { lambda: this.lambda(fn), includeBody: association.include_body === true };
    }
    return {
      pathPattern: typeof body.path_pattern === "string" ? body.path_pattern : undefined,
      allowedMethods: stringList(body.allowed_methods),
      cachedMethods: stringList(body.cached_methods),
      compress: body.compress === true,
      cachePolicy: this.cachePolicy(body.cache_policy_id, `${where}.cache_policy_id`),
      originRequestPolicy: body.origin_request_policy_id === undefined ? undefined : this.originRequestPolicy(body.origin_request_policy_id, `${where}.origin_request_policy_id`),
      responseHeadersPolicy:
        body.response_headers_policy_id === undefined ? undefined : this.responseHeadersPolicy(body.response_headers_policy_id, `${where}.response_headers_policy_id`),
      viewerRequest,
      originRequest,
      originId,
    };
  }

  private cachePolicy(id: unknown, where: string): CachePolicy {
    if (id === undefined) this.fail(`${where}: missing; the emulator needs a cache policy`);
    const managed = typeof id === "string" ? MANAGED_CACHE_POLICIES[id] : undefined;
    if (managed) return managed;
    if (referenceOf(id) === undefined) this.fail(`${where}: ${JSON.stringify(id)} is not a managed cache policy the emulator knows`);
    const { body } = this.tf.target(id, "aws_cloudfront_cache_policy", "id", where);
    const parameters = block(body.parameters_in_cache_key_and_forwarded_to_origin) ?? {};
    const defaultTtl = numberOr(body.default_ttl, 86_400);
    return {
      name: String(body.name),
      minTtl: numberOr(body.min_ttl, 0),
      defaultTtl,
      maxTtl: numberOr(body.max_ttl, 31_536_000),
      queryStrings: selection(block(parameters.query_strings_config), "query_string_behavior", "query_strings", false),
      headers: selection(block(parameters.headers_config), "header_behavior", "headers", true),
      cookies: selection(block(parameters.cookies_config), "cookie_behavior", "cookies", false),
      gzip: parameters.enable_accept_encoding_gzip === true,
      brotli: parameters.enable_accept_encoding_brotli === true,
    };
  }

  private originRequestPolicy(id: unknown, where: string): OriginRequestPolicy {
    const managed = typeof id === "string" ? MANAGED_ORIGIN_REQUEST_POLICIES[id] : undefined;
    if (managed) return managed;
    if (referenceOf(id) === undefined) this.fail(`${where}: ${JSON.stringify(id)} is not a managed origin request policy the emulator knows`);
    const { body } = this.tf.target(id, "aws_cloudfront_origin_request_policy", "id", where);
    return {
      name: String(body.name),
      headers: selection(block(body.headers_config), "header_behavior", "headers", true),
      cookies: selection(block(body.cookies_config), "cookie_behavior", "cookies", false),
      queryStrings: selection(block(body.query_strings_config), "query_string_behavior", "query_strings", false),
    };
  }

  private responseHeadersPolicy(id: unknown, where: string): ResponseHeadersPolicy {
    if (referenceOf(id) === undefined) this.fail(`${where}: ${JSON.stringify(id)} is a managed response headers policy the emulator does not know`);
    const { body } = this.tf.target(id, "aws_cloudfront_response_headers_policy", "id", where);
    const headers: ResponseHeader[] = [];
    const security = block(body.security_headers_config);
    if (security) {
      const hsts = block(security.strict_transport_security);
      if (hsts) {
        const value = [`max-age=${String(hsts.access_control_max_age_sec)}`, hsts.include_subdomains ? "includeSubDomains" : "", hsts.preload ? "preload" : ""].filter(Boolean).join("; ");
        headers.push({ name: "strict-transport-security", value, override: hsts.override === true });
      }
      const contentType = block(security.content_type_options);
      if (contentType) headers.push({ name: "x-content-type-options", value: "nosniff", override: contentType.override === true });
      const frame = block(security.frame_options);
      if (frame) headers.push({ name: "x-frame-options", value: String(frame.frame_option), override: frame.override === true });
      const referrer = block(security.referrer_policy);
      if (referrer) headers.push({ name: "referrer-policy", value: String(referrer.referrer_policy), override: referrer.override === true });
      const xss = block(security.xss_protection);
      if (xss) {
        const value = xss.protection ? ["1", xss.mode_block ? "mode=block" : "", typeof xss.report_uri === "string" ? `report=${xss.report_uri}` : ""].filter(Boolean).join("; ") : "0";
        headers.push({ name: "x-xss-protection", value, override: xss.override === true });
      }
      const csp = block(security.content_security_policy);
      if (csp) headers.push({ name: "content-security-policy", value: String(csp.content_security_policy), override: csp.override === true });
    }
    for (const item of blocks(block(body.custom_headers_config)?.items)) {
      headers.push({ name: String(item.header).toLowerCase(), value: String(item.value), override: item.override === true });
    }
    const remove = blocks(block(body.remove_headers_config)?.items).map((item) => String(item.header).toLowerCase());
    if (body.cors_config !== undefined) this.notEmulated.push("CORS headers of the response headers policy");
    if (body.server_timing_headers_config !== undefined) this.notEmulated.push("Server-Timing header");
    return { name: String(body.name), headers, remove };
  }

  private viewerFunction(arn: unknown, where: string): ViewerFunction {
    const fn = this.tf.target(arn, "aws_cloudfront_function", "arn", where);
    const runtime = String(fn.body.runtime);
    if (runtime !== "cloudfront-js-2.0" && runtime !== "cloudfront-js-1.0") this.fail(`${fn.address}: runtime ${runtime} is not a CloudFront Functions runtime`);
    if (fn.body.key_value_store_associations !== undefined) this.notEmulated.push("key value stores of CloudFront Functions");
    return { address: fn.address, name: String(fn.body.name), runtime, code: String(fn.body.code) };
  }

  private lambda(fn: TerraformResource): LambdaFunction {
    const known = this.lambdas.get(fn.address);
    if (known) return known;
    const filename = fn.body.filename;
    if (typeof filename !== "string") this.fail(`${fn.address}: has no filename; the emulator runs functions from their zip`);
    const zipPath = join(this.stackDir, filename);
    if (!existsSync(zipPath)) this.fail(`${fn.address}: ${zipPath} does not exist`);
    const lambda: LambdaFunction = {
      address: fn.address,
      functionName: String(fn.body.function_name),
      zipPath,
      handler: String(fn.body.handler ?? "index.handler"),
      timeoutSeconds: numberOr(fn.body.timeout, 3),
      sourceCodeHash: String(fn.body.source_code_hash ?? ""),
    };
    this.lambdas.set(fn.address, lambda);
    return lambda;
  }

  // ---- origins ---------------------------------------------------------------------------------

  private origin(body: Record<string, unknown>): Origin {
    const id = String(body.origin_id);
    const originPath = typeof body.origin_path === "string" ? body.origin_path : "";
    const domainReferences = referencesIn(body.domain_name);
    const custom = block(body.custom_origin_config);
    const restApi = domainReferences.find((reference) => reference.type === "aws_api_gateway_rest_api");
    if (custom && restApi) {
      const api = this.tf.get(`aws_api_gateway_rest_api.${restApi.name}`);
      if (!api) this.fail(`origin ${id}: refers to aws_api_gateway_rest_api.${restApi.name}, which is not in the stack`);
      return {
        kind: "api",
        id,
        domainName: this.domainName(String(body.domain_name)),
        originPath,
        customHeaders: blocks(body.custom_header).map((header) => ({ name: String(header.name), value: this.headerValue(header.value, `origin ${id} custom_header ${String(header.name)}`) })),
        readTimeoutSeconds: numberOr(custom.origin_read_timeout, 30),
        keepaliveTimeoutSeconds: numberOr(custom.origin_keepalive_timeout, 5),
        sslProtocols: stringList(custom.origin_ssl_protocols),
        api: this.restApi(api),
      };
    }
    const bucket = domainReferences.find((reference) => reference.type === "aws_s3_bucket");
    if (bucket) {
      const bucketResource = this.tf.get(`aws_s3_bucket.${bucket.name}`);
      if (!bucketResource) this.fail(`origin ${id}: refers to aws_s3_bucket.${bucket.name}, which is not in the stack`);
      const objects = new Map<string, S3Object>();
      for (const object of this.tf.ofType("aws_s3_object")) {
        const target = referenceOf(object.body.bucket);
        if (!target || `${target.type}.${target.name}` !== bucketResource.address || typeof object.body.source !== "string") continue;
        objects.set(String(object.body.key), {
          file: join(this.stackDir, object.body.source),
          contentType: typeof object.body.content_type === "string" ? object.body.content_type : "binary/octet-stream",
          cacheControl: typeof object.body.cache_control === "string" ? object.body.cache_control : undefined,
        });
      }
      return { kind: "s3", id, domainName: this.domainName(String(body.domain_name)), originPath, objects };
    }
    return this.fail(`origin ${id}: ${JSON.stringify(body.domain_name)} is neither an API Gateway REST API nor an S3 bucket of this stack`);
  }

  /** Fills references in a domain name with stand-ins: a resource's region, else a short stable id. */
  private domainName(template: string): string {
    return template.replace(/\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}/g, (_whole, type: string, name: string, attribute: string) => {
      if (attribute === "region") return this.regionOf(this.tf.get(`${type}.${name}`));
      if (attribute === "bucket_regional_domain_name") return `emulated-${shortHash(name, 8)}.s3.${this.regionOf(this.tf.get(`${type}.${name}`))}.amazonaws.com`;
      return shortHash(`${type}.${name}`, 10);
    });
  }

  private regionOf(resource: TerraformResource | undefined): string {
    const provider = typeof resource?.body.provider === "string" ? resource.body.provider : "aws";
    return (resource?.body.region as string | undefined) ?? this.regions[provider] ?? "us-east-1";
  }

  private headerValue(value: unknown, where: string): string {
    const reference = referenceOf(value);
    if (!reference) {
      if (referencesIn(value).length > 0) this.fail(`${where}: ${JSON.stringify(value)} mixes references and text, which the emulator cannot resolve`);
      return String(value);
    }
    if (reference.type === "aws_api_gateway_api_key" && reference.attribute === "value") return this.apiKeyValue(`${reference.type}.${reference.name}`);
    return this.fail(`${where}: refers to ${reference.type}.${reference.name}.${reference.attribute}, which the emulator cannot resolve`);
  }

  private apiKeyValue(address: string): string {
    let value = this.apiKeyValues.get(address);
    if (value === undefined) {
      const literal = this.tf.get(address)?.body.value;
      value = typeof literal === "string" ? literal : (this.options.apiKeyValue?.(address) ?? randomBytes(20).toString("base64url"));
      this.apiKeyValues.set(address, value);
    }
    return value;
  }

  // ---- API Gateway -----------------------------------------------------------------------------

  private restApi(api: TerraformResource): RestApi {
    const stages = this.tf.referring("aws_api_gateway_stage", "rest_api_id", api);
    if (stages.length !== 1) this.fail(`${api.address}: has ${stages.length} stages; the emulator serves exactly one`);
    const stage = stages[0];
    const stageName = String(stage.body.stage_name);
    if (api.body.body !== undefined) this.fail(`${api.address}: is defined by an OpenAPI body, which the emulator does not read`);

    const root: ApiResource = { path: "/", pathPart: "", children: [], methods: new Map() };
    const byAddress = new Map<string, ApiResource>();
    const resources = this.tf.referring("aws_api_gateway_resource", "rest_api_id", api);
    const place = (resource: TerraformResource, depth: number): ApiResource => {
      const known = byAddress.get(resource.address);
      if (known) return known;
      if (depth > 64) this.fail(`${resource.address}: parent_id forms a cycle`);
      const parentRef = referenceOf(resource.body.parent_id);
      let parent: ApiResource;
      if (parentRef?.type === "aws_api_gateway_rest_api" && parentRef.attribute === "root_resource_id") parent = root;
      else {
        const parentResource = parentRef && this.tf.get(`${parentRef.type}.${parentRef.name}`);
        if (!parentResource) this.fail(`${resource.address}: parent_id ${JSON.stringify(resource.body.parent_id)} names no resource of the API`);
        parent = place(parentResource, depth + 1);
      }
      const pathPart = String(resource.body.path_part);
      const node: ApiResource = { path: `${parent.path === "/" ? "" : parent.path}/${pathPart}`, pathPart, children: [], methods: new Map() };
      parent.children.push(node);
      byAddress.set(resource.address, node);
      return node;
    };
    for (const resource of resources) place(resource, 0);

    const integrations = this.tf.referring("aws_api_gateway_integration", "rest_api_id", api);
    for (const method of this.tf.referring("aws_api_gateway_method", "rest_api_id", api)) {
      const resourceRef = referenceOf(method.body.resource_id);
      const node = resourceRef?.type === "aws_api_gateway_rest_api" ? root : resourceRef && byAddress.get(`${resourceRef.type}.${resourceRef.name}`);
      if (!node) this.fail(`${method.address}: resource_id names no resource of the API`);
      const httpMethod = String(method.body.http_method);
      if (method.body.authorization !== "NONE") this.notEmulated.push(`API Gateway authorization ${String(method.body.authorization)}`);
      const integration = integrations.find((candidate) => {
        const methodRef = referenceOf(candidate.body.http_method);
        return (methodRef ? `${methodRef.type}.${methodRef.name}` === method.address : candidate.body.http_method === httpMethod && referenceOf(candidate.body.resource_id)?.name === resourceRef?.name);
      });
      let lambda: LambdaFunction | undefined;
      if (integration?.body.type === "AWS_PROXY") {
        const fnRef = referenceOf(integration.body.uri);
        const fn = fnRef && fnRef.type === "aws_lambda_function" ? this.tf.get(`${fnRef.type}.${fnRef.name}`) : undefined;
        if (!fn) this.fail(`${integration.address}: uri ${JSON.stringify(integration.body.uri)} is not a Lambda function of this stack`);
        lambda = this.lambda(fn);
      } else {
        this.notEmulated.push(`API Gateway ${String(integration?.body.type ?? "missing")} integrations`);
      }
      node.methods.set(httpMethod, { httpMethod, apiKeyRequired: method.body.api_key_required === true, lambda });
    }

    const apiKeys = new Set<string>();
    for (const plan of this.tf.ofType("aws_api_gateway_usage_plan")) {
      const servesStage = blocks(plan.body.api_stages).some((apiStage) => {
        const apiRef = referenceOf(apiStage.api_id);
        const stageRef = referenceOf(apiStage.stage);
        const stageMatches = stageRef ? `${stageRef.type}.${stageRef.name}` === stage.address : apiStage.stage === stageName;
        return apiRef !== undefined && `${apiRef.type}.${apiRef.name}` === api.address && stageMatches;
      });
      if (!servesStage) continue;
      for (const planKey of this.tf.referring("aws_api_gateway_usage_plan_key", "usage_plan_id", plan)) {
        const key = this.tf.target(planKey.body.key_id, "aws_api_gateway_api_key", "id", `${planKey.address}.key_id`);
        if (key.body.enabled !== false) apiKeys.add(this.apiKeyValue(key.address));
      }
    }
    if (api.body.api_key_source !== undefined && api.body.api_key_source !== "HEADER") this.notEmulated.push(`API key source ${String(api.body.api_key_source)}`);

    const gatewayResponses = new Map<string, GatewayResponse>();
    for (const response of this.tf.referring("aws_api_gateway_gateway_response", "rest_api_id", api)) {
      const headers: Record<string, string> = {};
      for (const [parameter, value] of Object.entries((response.body.response_parameters ?? {}) as Record<string, string>)) {
        const name = /^gatewayresponse\.header\.(.+)$/.exec(parameter)?.[1];
        if (name && /^'.*'$/.test(value)) headers[name] = value.slice(1, -1);
      }
      gatewayResponses.set(String(response.body.response_type), {
        statusCode: response.body.status_code === undefined ? undefined : Number(response.body.status_code),
        templates: (response.body.response_templates ?? {}) as Record<string, string>,
        headers,
      });
    }
    return {
      address: api.address,
      id: shortHash(api.address, 10),
      stageName,
      binaryMediaTypes: stringList(api.body.binary_media_types),
      root,
      apiKeys,
      gatewayResponses,
    };
  }
}

function selection(config: Record<string, unknown> | undefined, behaviorField: string, itemsField: string, lowerCase: boolean): Selection {
  const behavior = (config?.[behaviorField] ?? "none") as SelectionBehavior;
  const names = stringList(block(config?.[itemsField])?.items);
  return { behavior, names: lowerCase ? names.map((name) => name.toLowerCase()) : names };
}
