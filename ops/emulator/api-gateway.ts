import { randomBytes, randomUUID } from "node:crypto";
import { validateHeaderName, validateHeaderValue } from "node:http";
import type { ApiMethod, ApiResource, RestApi } from "./distribution";
import { headerValue, nameRecord, type HeaderList, type ReceivedRequest } from "./http-types";
import type { LoadedLambda } from "./lambda-bundle";

/** API Gateway REST APIs refuse larger request bodies (413, before any integration runs). */
export const API_GATEWAY_PAYLOAD_LIMIT_BYTES = 10 * 1024 * 1024;
/** Lambda's limit on a synchronous invocation's event. */
export const LAMBDA_EVENT_LIMIT_BYTES = 6 * 1024 * 1024;

/** A request as CloudFront sends it to the API's stage URL. */
export interface ApiRequest extends ReceivedRequest {
  /** Origin path (the stage) and URI: `/dev/v2/models/iris/infer`. */
  readonly path: string;
  readonly sourceIp: string;
  readonly domainName: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: HeaderList;
  readonly body: Buffer;
  /** Set when API Gateway answered by itself (a gateway response type), not the integration. */
  readonly gatewayError?: string;
}

/** Status and message of the gateway response types the emulator produces (API Gateway's defaults). */
const GATEWAY_RESPONSE_TYPES: Readonly<Record<string, { status: number; message: string }>> = {
  MISSING_AUTHENTICATION_TOKEN: { status: 403, message: "Missing Authentication Token" },
  INVALID_API_KEY: { status: 403, message: "Forbidden" },
  REQUEST_TOO_LARGE: { status: 413, message: "Request Too Long" },
  AUTHORIZER_CONFIGURATION_ERROR: { status: 500, message: "Internal server error" },
  INTEGRATION_FAILURE: { status: 504, message: "Internal server error" },
  INTEGRATION_TIMEOUT: { status: 504, message: "Endpoint request timed out" },
  // A Lambda proxy integration that fails or answers malformed output.
  BAD_GATEWAY: { status: 502, message: "Internal server error" },
};

function apiGatewayTime(date: Date): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** API Gateway decodes query values for the proxy event, '+' included (it becomes a space). */
function decodeQueryPart(raw: string): string {
  const spaced = raw.replace(/\+/g, " ");
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** Matches literal path parts first, then `{param}`, then a greedy `{proxy+}`. */
function matchResource(node: ApiResource, segments: readonly string[], parameters: Record<string, string>): ApiResource | undefined {
  if (segments.length === 0) return node;
  const [head, ...rest] = segments;
  const ordered = [
    ...node.children.filter((child) => !child.pathPart.startsWith("{")),
    ...node.children.filter((child) => /^\{[^+]+\}$/.test(child.pathPart)),
    ...node.children.filter((child) => /^\{.+\+\}$/.test(child.pathPart)),
  ];
  for (const child of ordered) {
    if (/^\{.+\+\}$/.test(child.pathPart)) {
      parameters[child.pathPart.slice(1, -2)] = segments.map(decodeQueryPart).join("/");
      return child;
    }
    if (child.pathPart.startsWith("{")) {
      const found = matchResource(child, rest, parameters);
      if (found) {
        parameters[child.pathPart.slice(1, -1)] = decodeURIComponentSafe(head);
        return found;
      }
      continue;
    }
    if (child.pathPart === head) {
      const found = matchResource(child, rest, parameters);
      if (found) return found;
    }
  }
  return undefined;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function mediaTypeMatches(pattern: string, contentType: string | undefined): boolean {
  if (pattern === "*/*") return true;
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  const [patternType, patternSubtype] = pattern.toLowerCase().split("/");
  const [actualType, actualSubtype] = type.split("/");
  return (patternType === "*" || patternType === actualType) && (patternSubtype === "*" || patternSubtype === actualSubtype);
}

/**
 * The regional REST API of the stack: stage, resources and methods, API keys, payload limits and
 * gateway responses as synthesized, with AWS_PROXY integrations invoking the regional Lambda from its zip.
 */
export class RestApiEmulator {
  constructor(
    private readonly api: RestApi,
    private readonly lambdas: ReadonlyMap<string, LoadedLambda>,
    private readonly region: string,
  ) {}

  async handle(request: ApiRequest): Promise<ApiResponse> {
    const requestId = randomUUID();
    const stagePrefix = `/${this.api.stageName}`;
    if (request.path !== stagePrefix && !request.path.startsWith(`${stagePrefix}/`)) {
      return this.plain(403, "application/json", JSON.stringify({ message: "Forbidden" }), requestId, "no such stage");
    }
    if (request.bodyBytes > API_GATEWAY_PAYLOAD_LIMIT_BYTES) {
      return this.plain(413, "text; charset=utf-8", `HTTP content length exceeded ${API_GATEWAY_PAYLOAD_LIMIT_BYTES} bytes.`, requestId, "payload over 10 MB");
    }
    const resourcePath = request.path.slice(stagePrefix.length) || "/";
    const segments = resourcePath.split("/").filter((segment) => segment !== "");
    const pathParameters = nameRecord<string>();
    const resource = matchResource(this.api.root, segments, pathParameters);
    const method: ApiMethod | undefined = resource?.methods.get(request.method) ?? resource?.methods.get("ANY");
    if (!resource || !method) return this.gatewayResponse("MISSING_AUTHENTICATION_TOKEN", requestId, request);
    const apiKey = headerValue(request.headers, "x-api-key");
    if (method.apiKeyRequired && (apiKey === undefined || !this.api.apiKeys.has(apiKey))) return this.gatewayResponse("INVALID_API_KEY", requestId, request);
    const lambda = method.lambda && this.lambdas.get(method.lambda.address);
    if (!lambda) return this.gatewayResponse("INTEGRATION_FAILURE", requestId, request);

    const event = this.proxyEvent(request, resource, pathParameters, requestId, apiKey);
    const eventBytes = Buffer.byteLength(JSON.stringify(event));
    if (eventBytes > LAMBDA_EVENT_LIMIT_BYTES) return this.gatewayResponse("REQUEST_TOO_LARGE", requestId, request);
    const result = await lambda.invoke(event, requestId);
    if (!result.ok) return this.gatewayResponse("BAD_GATEWAY", requestId, request, `${result.kind}: ${result.message}`);
    return this.proxyResult(result.value, requestId, request);
  }

  private proxyEvent(request: ApiRequest, resource: ApiResource, pathParameters: Record<string, string>, requestId: string, apiKey: string | undefined): object {
    const headers = nameRecord<string>();
    const multiValueHeaders = nameRecord<string[]>();
    for (const { name, value } of request.headers) {
      headers[name] = value;
      (multiValueHeaders[name] ??= []).push(value);
    }
    const queryStringParameters = nameRecord<string>();
    const multiValueQueryStringParameters = nameRecord<string[]>();
    for (const pair of request.query.split("&")) {
      if (pair === "") continue;
      const eq = pair.indexOf("=");
      const name = decodeQueryPart(eq < 0 ? pair : pair.slice(0, eq));
      const value = decodeQueryPart(eq < 0 ? "" : pair.slice(eq + 1));
      queryStringParameters[name] = value;
      (multiValueQueryStringParameters[name] ??= []).push(value);
    }
    const contentType = headerValue(request.headers, "content-type");
    const binary = this.api.binaryMediaTypes.some((pattern) => mediaTypeMatches(pattern, contentType));
    const hasBody = request.body.length > 0;
    const now = new Date();
    const some = <T extends object>(value: T): T | null => (Object.keys(value).length > 0 ? value : null);
    return {
      resource: resource.path,
      path: request.path.slice(this.api.stageName.length + 1) || "/",
      httpMethod: request.method,
      headers: some(headers),
      multiValueHeaders: some(multiValueHeaders),
      queryStringParameters: some(queryStringParameters),
      multiValueQueryStringParameters: some(multiValueQueryStringParameters),
      pathParameters: some(pathParameters),
      stageVariables: null,
      requestContext: {
        resourceId: resource.path,
        resourcePath: resource.path,
        httpMethod: request.method,
        extendedRequestId: randomBytes(12).toString("base64").replace(/[+/=]/g, ""),
        requestTime: apiGatewayTime(now),
        path: request.path,
        accountId: "000000000000",
        protocol: "HTTP/1.1",
        stage: this.api.stageName,
        domainPrefix: this.api.id,
        requestTimeEpoch: now.getTime(),
        requestId,
        identity: {
          cognitoIdentityPoolId: null,
          accountId: null,
          cognitoIdentityId: null,
          caller: null,
          sourceIp: request.sourceIp,
          principalOrgId: null,
          accessKey: null,
          cognitoAuthenticationType: null,
          cognitoAuthenticationProvider: null,
          userArn: null,
          userAgent: headerValue(request.headers, "user-agent") ?? null,
          user: null,
          apiKey: apiKey ?? null,
          apiKeyId: apiKey === undefined ? null : "emulated-key",
          clientCert: null,
        },
        domainName: `${this.api.id}.execute-api.${this.region}.amazonaws.com`,
        apiId: this.api.id,
      },
      body: hasBody ? (binary ? request.body.toString("base64") : request.body.toString("utf8")) : null,
      isBase64Encoded: hasBody && binary,
    };
  }

  private proxyResult(value: unknown, requestId: string, request: ApiRequest): ApiResponse {
    const result = value as { statusCode?: unknown; headers?: unknown; multiValueHeaders?: unknown; body?: unknown; isBase64Encoded?: unknown } | null;
    const malformed = (why: string) => this.gatewayResponse("BAD_GATEWAY", requestId, request, `malformed Lambda proxy response: ${why}`);
    if (result === null || typeof result !== "object") return malformed("not an object");
    const status = Number(result.statusCode ?? 200);
    if (!Number.isInteger(status) || status < 100 || status > 599) return malformed(`statusCode ${JSON.stringify(result.statusCode)}`);
    if (result.body !== undefined && result.body !== null && typeof result.body !== "string") return malformed("body is not a string");
    const headers: HeaderList = [];
    for (const [name, headerValueOf] of Object.entries((result.headers ?? {}) as Record<string, unknown>)) {
      if (typeof headerValueOf !== "string" && typeof headerValueOf !== "number" && typeof headerValueOf !== "boolean") return malformed(`header ${name} is not a scalar`);
      headers.push({ name, value: String(headerValueOf) });
    }
    for (const [name, values] of Object.entries((result.multiValueHeaders ?? {}) as Record<string, unknown>)) {
      if (!Array.isArray(values)) return malformed(`multiValueHeaders.${name} is not a list`);
      for (const item of values) headers.push({ name, value: String(item) });
    }
    for (const { name, value } of headers) {
      try {
        validateHeaderName(name);
        validateHeaderValue(name, value);
      } catch (error) {
        return malformed(`header ${JSON.stringify(name)}: ${(error as Error).message}`);
      }
    }
    const text = (result.body as string | undefined | null) ?? "";
    const body = result.isBase64Encoded === true ? Buffer.from(text, "base64") : Buffer.from(text, "utf8");
    if (!headers.some(({ name }) => name.toLowerCase() === "content-type")) headers.push({ name: "Content-Type", value: "application/json" });
    return { status, headers: [...headers, ...this.apiHeaders(requestId)], body };
  }

  private apiHeaders(requestId: string): HeaderList {
    return [
      { name: "x-amzn-RequestId", value: requestId },
      { name: "x-amz-apigw-id", value: randomBytes(12).toString("base64").replace(/[+/=]/g, "").slice(0, 16) },
    ];
  }

  private plain(status: number, contentType: string, text: string, requestId: string, gatewayError: string): ApiResponse {
    return { status, headers: [{ name: "Content-Type", value: contentType }, ...this.apiHeaders(requestId)], body: Buffer.from(text), gatewayError };
  }

  /** A gateway response: the API's own for the type or its DEFAULT_4XX/5XX, else API Gateway's `{"message": ...}`. */
  private gatewayResponse(type: string, requestId: string, request: ApiRequest, detail?: string): ApiResponse {
    const defaults = GATEWAY_RESPONSE_TYPES[type];
    const family = defaults.status >= 500 ? "DEFAULT_5XX" : "DEFAULT_4XX";
    const configured = this.api.gatewayResponses.get(type) ?? this.api.gatewayResponses.get(family);
    const status = configured?.statusCode ?? defaults.status;
    const template = configured?.templates["application/json"] ?? '{"message":$context.error.messageString}';
    const body = template
      .replace(/\$context\.error\.messageString/g, JSON.stringify(defaults.message))
      .replace(/\$context\.error\.message/g, defaults.message)
      .replace(/\$context\.error\.responseType/g, type)
      .replace(/\$context\.requestId/g, requestId)
      .replace(/\$context\.path/g, request.path)
      .replace(/\$context\.httpMethod/g, request.method);
    const headers: HeaderList = [
      { name: "Content-Type", value: "application/json" },
      { name: "x-amzn-ErrorType", value: type === "INVALID_API_KEY" || type === "MISSING_AUTHENTICATION_TOKEN" ? "ForbiddenException" : type === "REQUEST_TOO_LARGE" ? "BadRequestException" : "InternalServerErrorException" },
      ...Object.entries(configured?.headers ?? {}).map(([name, value]) => ({ name, value })),
      ...this.apiHeaders(requestId),
    ];
    return { status, headers, body: Buffer.from(body), gatewayError: detail ? `${type} (${detail})` : type };
  }
}
