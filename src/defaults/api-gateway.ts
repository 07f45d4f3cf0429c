export type HttpMethod = "GET" | "POST";

/** One path of the API and the methods it accepts; `{name}` segments are path parameters. */
export interface ApiRoute {
  readonly path: string;
  readonly methods: readonly HttpMethod[];
}

/**
 * The Open Inference Protocol v2 REST routes (KServe/Triton spec in fixtures/oip). GET .../infer is
 * this project's cacheable form of inference: the tensor request travels in the query string.
 */
export const OPEN_INFERENCE_ROUTES: readonly ApiRoute[] = [
  { path: "/v2", methods: ["GET"] },
  { path: "/v2/health/live", methods: ["GET"] },
  { path: "/v2/health/ready", methods: ["GET"] },
  { path: "/v2/models/{model}", methods: ["GET"] },
  { path: "/v2/models/{model}/ready", methods: ["GET"] },
  { path: "/v2/models/{model}/infer", methods: ["GET", "POST"] },
  { path: "/v2/models/{model}/versions/{version}", methods: ["GET"] },
  { path: "/v2/models/{model}/versions/{version}/ready", methods: ["GET"] },
  { path: "/v2/models/{model}/versions/{version}/infer", methods: ["GET", "POST"] },
];

const STATIC_SEGMENT = /^[A-Za-z0-9._-]+$/;
const PARAMETER_SEGMENT = /^\{([A-Za-z][A-Za-z0-9_]*)\}$/;

/** Route table mistakes, one line each: API Gateway would reject these or route them ambiguously. */
export function routeProblems(routes: readonly ApiRoute[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  if (routes.length === 0) problems.push("routes: is empty; pass at least one route (the default is OPEN_INFERENCE_ROUTES)");
  for (const route of routes) {
    const segments = route.path.split("/").slice(1);
    if (!route.path.startsWith("/") || segments.some((segment) => segment === "")) {
      problems.push(`routes: "${route.path}" must start with '/' and have no empty segments or trailing '/'`);
      continue;
    }
    for (const segment of segments) {
      if (!STATIC_SEGMENT.test(segment) && !PARAMETER_SEGMENT.test(segment)) {
        problems.push(`routes: "${route.path}" has segment "${segment}"; use letters, digits, '.', '_', '-' or a {parameter}`);
      }
    }
    if (route.methods.length === 0) problems.push(`routes: "${route.path}" lists no methods`);
    if (new Set(route.methods).size !== route.methods.length) problems.push(`routes: "${route.path}" repeats a method`);
    const shape = segments.map((segment) => (PARAMETER_SEGMENT.test(segment) ? "{}" : segment)).join("/");
    const earlier = seen.get(shape);
    if (earlier !== undefined) {
      problems.push(`routes: "${route.path}" clashes with "${earlier}"; merge their methods into one route`);
    }
    seen.set(shape, route.path);
  }
  const parameterNames = new Map<string, string>();
  for (const route of routes) {
    const segments = route.path.split("/").slice(1);
    segments.forEach((segment, depth) => {
      const match = PARAMETER_SEGMENT.exec(segment);
      if (!match) return;
      const parent = `/${segments.slice(0, depth).join("/")}`;
      const earlier = parameterNames.get(parent);
      if (earlier !== undefined && earlier !== match[1]) {
        problems.push(`routes: "${route.path}" names parameter {${match[1]}} under ${parent} where another route names {${earlier}}; API Gateway allows one parameter name per position`);
      }
      parameterNames.set(parent, match[1]);
    });
  }
  return problems;
}

/** Path parameters of a route, as API Gateway method request parameters. */
export function pathParameters(path: string): Record<string, boolean> {
  const parameters: Record<string, boolean> = {};
  for (const segment of path.split("/")) {
    const match = PARAMETER_SEGMENT.exec(segment);
    if (match) parameters[`method.request.path.${match[1]}`] = true;
  }
  return parameters;
}

/** A Terraform-safe, readable name for a path: /v2/models/{model}/infer -> v2_models_model-param_infer. */
export function pathLogicalName(path: string): string {
  return path
    .split("/")
    .slice(1)
    .map((segment) => {
      const match = PARAMETER_SEGMENT.exec(segment);
      return match ? `${match[1]}-param` : segment.replace(/\./g, "-");
    })
    .join("_");
}

/**
 * Every body is binary to API Gateway, so the proxy Lambda always receives it base64-encoded and
 * intact, and an isBase64Encoded answer is decoded for the client. tritonclient sends binary tensor
 * bodies with no Content-Type at all, so a narrower list (application/octet-stream) would let
 * API Gateway re-encode those bytes as text and corrupt them.
 */
export const DEFAULT_BINARY_MEDIA_TYPES: readonly string[] = ["*/*"];

export const REST_API_DEFAULTS = {
  endpointType: "REGIONAL",
  apiKeySource: "HEADER",
  /** Lambda proxy integrations are always invoked with POST, whatever the client's method. */
  integrationHttpMethod: "POST",
  integrationType: "AWS_PROXY",
  authorization: "NONE",
  apiKeyRequired: true,
} as const;

export type ExecutionLoggingLevel = "OFF" | "ERROR" | "INFO";

/**
 * ERROR keeps execution logs for failed requests only. INFO would log every request's flow, and GET
 * .../infer carries model inputs in its query string. Full request/response data tracing is never enabled.
 */
export const STAGE_DEFAULTS = {
  executionLoggingLevel: "ERROR" as ExecutionLoggingLevel,
  dataTraceEnabled: false,
  metricsEnabled: true,
  xrayTracingEnabled: true,
  logRetentionDays: 30,
} as const;

/**
 * Access log line, one JSON object per request. resourcePath is the route template, so neither model
 * inputs (query string) nor bodies reach the logs. error.messageString is already a quoted JSON string.
 */
export const ACCESS_LOG_FORMAT: string = JSON.stringify({
  requestId: "$context.requestId",
  extendedRequestId: "$context.extendedRequestId",
  ip: "$context.identity.sourceIp",
  userAgent: "$context.identity.userAgent",
  apiKeyId: "$context.identity.apiKeyId",
  requestTime: "$context.requestTime",
  requestTimeEpoch: "$context.requestTimeEpoch",
  httpMethod: "$context.httpMethod",
  resourcePath: "$context.resourcePath",
  protocol: "$context.protocol",
  status: "$context.status",
  responseLength: "$context.responseLength",
  responseLatency: "$context.responseLatency",
  integrationLatency: "$context.integrationLatency",
  integrationStatus: "$context.integration.status",
  errorResponseType: "$context.error.responseType",
  errorMessage: "__ERROR_MESSAGE__",
  xrayTraceId: "$context.xrayTraceId",
}).replace('"__ERROR_MESSAGE__"', "$context.error.messageString");

/**
 * Errors API Gateway answers itself (missing API key, throttling, integration failure) in the Open
 * Inference Protocol error shape, so clients parse one format.
 */
export const GATEWAY_ERROR_RESPONSES = [
  { responseType: "DEFAULT_4XX", template: '{"error":$context.error.messageString}' },
  { responseType: "DEFAULT_5XX", template: '{"error":$context.error.messageString}' },
] as const;

/** Execution-log group API Gateway creates on first use (with no retention) unless it already exists. */
export function executionLogGroupName(restApiId: string, stageName: string): string {
  return `API-Gateway-Execution-Logs_${restApiId}/${stageName}`;
}

