import { createHash, randomBytes } from "node:crypto";
import { validateHeaderName, validateHeaderValue } from "node:http";
import { brotliCompressSync, constants as zlibConstants, gzipSync } from "node:zlib";
import { displayHeaderName } from "../../handlers/shared/header-names";
import { RestApiEmulator } from "./api-gateway";
import { cacheKey, cacheTtlSeconds, normalizedAcceptEncoding, queryPairs, ResponseCache, selects } from "./caching";
import type { ApiOrigin, Behavior, EmulatedDistribution, Origin } from "./distribution";
import {
  headerValue,
  headerValues,
  nameRecord,
  setHeader,
  withoutHeaders,
  type EdgeResponse,
  type HeaderList,
  type ResponseDetail,
  type ViewerRequest,
} from "./http-types";
import type { LoadedLambda } from "./lambda-bundle";
import { s3Get } from "./s3-origin";
import { addField, fieldValues, functionQuerystring, serializeQuerystring, ViewerRequestRunner, type FunctionEvent, type FunctionField, type FunctionResponse } from "./viewer-function";

/** CloudFront's request limits: path, query and headers together, and the URL it builds. Over either: 413. */
export const MAX_REQUEST_BYTES = 20_480;
export const MAX_URL_BYTES = 8192;
/** Lambda@Edge sees at most this much of the body at origin-request (`inputTruncated` beyond it). */
export const ORIGIN_REQUEST_BODY_LIMIT_BYTES = 1024 * 1024;
/** A response generated at origin-request, headers and body, must fit in this. */
export const ORIGIN_REQUEST_RESPONSE_LIMIT_BYTES = 1024 * 1024;
/** CloudFront compresses responses of this size range and these statuses only. */
const COMPRESSIBLE_BYTES = { min: 1000, max: 10_000_000 };
const COMPRESSIBLE_STATUSES: ReadonlySet<number> = new Set([200, 403, 404]);
const COMPRESSIBLE_TYPES = /^(text\/|application\/(json|javascript|x-javascript|xml|xhtml\+xml|ld\+json|manifest\+json|vnd\.api\+json)|image\/svg\+xml)/;

/** Headers edge functions never see and cannot add (CloudFront's "disallowed headers"). */
const DISALLOWED = /^(connection|expect|keep-alive|proxy-authenticate|proxy-authorization|proxy-connection|trailer|upgrade|x-accel-buffering|x-accel-charset|x-accel-limit-rate|x-accel-redirect|x-amz-cf-.*|x-amzn-auth|x-amzn-cf-billing|x-amzn-cf-id|x-amzn-cf-xff|x-amzn-errortype|x-amzn-fle-profile|x-amzn-header-count|x-amzn-header-order|x-amzn-lambda-integration-tag|x-amzn-requestid|x-cache|x-edge-.*|x-forwarded-proto|x-real-ip)$/;
/** Headers an origin-request function may read but not change. */
const ORIGIN_REQUEST_READ_ONLY = ["accept-encoding", "content-length", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "transfer-encoding", "via"];
/** What CloudFront drops from a viewer request before the origin whatever the policies say. */
const NEVER_FORWARDED = /^(connection|expect|keep-alive|proxy-authenticate|proxy-authorization|proxy-connection|te|trailer|transfer-encoding|upgrade|x-forwarded-proto|x-real-ip|x-http-method-override|x-edge-.*|x-amz-cf-.*|cookie|host|accept-encoding|content-length|via|x-forwarded-for)$/;
/** Hop-by-hop and CloudFront-owned headers of an origin response, replaced on the way to the viewer. */
const NOT_RELAYED = ["connection", "keep-alive", "transfer-encoding", "content-length", "proxy-authenticate", "proxy-connection", "trailer", "upgrade", "via", "x-cache", "x-amz-cf-pop", "x-amz-cf-id", "age"];

export interface EdgeEmulatorOptions {
  readonly distribution: EmulatedDistribution;
  /** Loaded functions by resource address: the edge function and the regional one. */
  readonly lambdas: ReadonlyMap<string, LoadedLambda>;
  /** Kept across deployments, as an edge location's cache is. */
  readonly cache?: ResponseCache;
  /** Milliseconds since the epoch; tests move it to expire entries. */
  readonly now?: () => number;
}

export interface OriginAnswer {
  readonly status: number;
  readonly statusText?: string;
  readonly headers: HeaderList;
  readonly body: Buffer;
  readonly answeredBy: NonNullable<ResponseDetail["answeredBy"]>;
  readonly error?: string;
}

/** Where a request goes after the viewer function: what CloudFront forwards and what keys the cache. */
interface EdgeRequest {
  method: string;
  uri: string;
  query: string;
  headers: HeaderList;
  cookies: { name: string; value: string }[];
  body: Buffer;
  bodyBytes: number;
}

/** CloudFront's path pattern match: `*` any run of characters, `?` one; the leading `/` is optional. */
export function matchesPathPattern(pattern: string, path: string): boolean {
  let expression = "^";
  for (const char of pattern.startsWith("/") ? pattern : `/${pattern}`) expression += char === "*" ? ".*" : char === "?" ? "." : char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`${expression}$`, "s").test(path);
}

function requestId(): string {
  return randomBytes(42).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
}

function parseCookies(headers: HeaderList): { name: string; value: string }[] {
  const cookies: { name: string; value: string }[] = [];
  for (const header of headerValues(headers, "cookie")) {
    for (const part of header.split(";")) {
      const eq = part.indexOf("=");
      if (part.trim() === "") continue;
      cookies.push({ name: (eq < 0 ? part : part.slice(0, eq)).trim(), value: eq < 0 ? "" : part.slice(eq + 1).trim() });
    }
  }
  return cookies;
}

/**
 * One edge location of the synthesized distribution. For each viewer request: behavior by path,
 * the viewer-request CloudFront Function, the cache (keyed and timed by the behavior's cache policy),
 * and on a miss the origin-request Lambda@Edge function and the origin (the regional API with its
 * Lambda, or the model bucket), each run from the synthesized code.
 */
export class EdgeEmulator {
  readonly distribution: EmulatedDistribution;
  readonly cache: ResponseCache;
  private readonly now: () => number;
  private readonly lambdas: ReadonlyMap<string, LoadedLambda>;
  private readonly viewerFunctions = new Map<string, ViewerRequestRunner>();
  private readonly apis = new Map<string, RestApiEmulator>();
  private readonly via: string;
  private readonly pop: string;

  constructor(options: EdgeEmulatorOptions) {
    this.distribution = options.distribution;
    this.lambdas = options.lambdas;
    this.cache = options.cache ?? new ResponseCache();
    this.now = options.now ?? Date.now;
    for (const behavior of [...this.distribution.behaviors, this.distribution.defaultBehavior]) {
      const fn = behavior.viewerRequest;
      if (fn && !this.viewerFunctions.has(fn.address)) this.viewerFunctions.set(fn.address, new ViewerRequestRunner(fn));
    }
    for (const origin of this.distribution.origins.values()) {
      if (origin.kind === "api") this.apis.set(origin.id, new RestApiEmulator(origin.api, this.lambdas, /execute-api\.([a-z0-9-]+)\./.exec(origin.domainName)?.[1] ?? "us-east-1"));
    }
    const host = createHash("sha256").update(this.distribution.domainName).digest("hex").slice(0, 32);
    this.via = `${host}.cloudfront.net (CloudFront)`;
    this.pop = "LOCAL1-P1";
  }

  behaviorFor(path: string): Behavior {
    return this.distribution.behaviors.find((behavior) => matchesPathPattern(behavior.pathPattern as string, path)) ?? this.distribution.defaultBehavior;
  }

  async handle(viewer: ViewerRequest): Promise<EdgeResponse> {
    const id = requestId();
    const behavior = this.behaviorFor(viewer.path);
    const detail: ResponseDetail = { behavior: behavior.pathPattern ?? "default" };
    const finish = (answer: OriginAnswer, resultType: string, extraHeaders: HeaderList = []) => this.toViewer(viewer, behavior, answer, resultType, id, detail, extraHeaders);

    const host = headerValue(viewer.headers, "host") ?? this.distribution.domainName;
    const requestBytes = viewer.method.length + viewer.path.length + viewer.query.length + 12 + viewer.headers.reduce((total, { name, value }) => total + name.length + value.length + 4, 0);
    const urlBytes = Buffer.byteLength(`https://${host}${viewer.path}${viewer.query ? `?${viewer.query}` : ""}`);
    if (requestBytes > MAX_REQUEST_BYTES || urlBytes > MAX_URL_BYTES) {
      detail.error = requestBytes > MAX_REQUEST_BYTES ? `request line and headers are ${requestBytes} bytes, over ${MAX_REQUEST_BYTES}` : `URL is ${urlBytes} bytes, over ${MAX_URL_BYTES}`;
      return { ...finish(this.cloudFrontError(413, "Request Entity Too Large", "Bad request. The request is too large."), "Error"), closeConnection: true };
    }
    if (!behavior.allowedMethods.includes(viewer.method)) {
      detail.error = `method ${viewer.method} is not in the behavior's allowed_methods`;
      return finish(this.cloudFrontError(403, "Forbidden", "This distribution is not configured to allow the HTTP request method that was used for this request."), "Error");
    }
    if ((viewer.method === "GET" || viewer.method === "HEAD") && viewer.bodyBytes > 0) {
      detail.error = `${viewer.method} with a body`;
      return finish(this.cloudFrontError(403, "Forbidden", "Bad request. A GET or HEAD request cannot have a body."), "Error");
    }

    let request: EdgeRequest = {
      method: viewer.method,
      uri: viewer.path,
      query: viewer.query,
      headers: viewer.headers,
      cookies: parseCookies(viewer.headers),
      body: viewer.body,
      bodyBytes: viewer.bodyBytes,
    };
    const fn = behavior.viewerRequest && this.viewerFunctions.get(behavior.viewerRequest.address);
    if (fn) {
      const outcome = fn.run(this.functionEvent(viewer, request, id));
      if (outcome.logs.length > 0) detail.functionLogs = outcome.logs;
      if (outcome.kind === "error") {
        detail.error = `${outcome.resultType}: ${outcome.message}`;
        detail.answeredBy = "viewer-function";
        const status = outcome.resultType === "FunctionExecutionError" ? 503 : 502;
        return finish(this.cloudFrontError(status, status === 503 ? "Service Unavailable" : "Bad Gateway", "The CloudFront function associated with the request failed."), outcome.resultType);
      }
      if (outcome.kind === "response") {
        detail.answeredBy = "viewer-function";
        const generated = functionResponse(outcome.response);
        if (typeof generated === "string") {
          detail.error = `FunctionValidationError: ${generated}`;
          return finish(this.cloudFrontError(502, "Bad Gateway", "The CloudFront function associated with the request failed."), "FunctionValidationError");
        }
        return finish(generated, "FunctionGeneratedResponse");
      }
      request = fromFunctionRequest(request, outcome.request);
    }
    detail.uri = request.uri;

    const policy = behavior.cachePolicy;
    // CloudFront drops Accept-Encoding from HTTP/1.0 requests and serves them uncompressed.
    const acceptEncoding = viewer.httpVersion === "1.0" ? undefined : normalizedAcceptEncoding(policy, headerValue(request.headers, "accept-encoding"));
    const cacheable = behavior.cachedMethods.includes(request.method) && policy.maxTtl > 0;
    const key = cacheable ? cacheKey(policy, { ...request, acceptEncoding }) : undefined;
    if (key !== undefined) {
      detail.cacheKey = key;
      const hit = this.cache.get(key, this.now());
      if (hit) {
        const age = hit.originAgeSeconds + Math.floor((this.now() - hit.storedAt) / 1000);
        return finish({ status: hit.status, headers: hit.headers, body: hit.body, answeredBy: "cloudfront" }, "Hit", [{ name: "Age", value: String(age) }]);
      }
    }

    let answer = await this.fetchFromOrigin(behavior, request, viewer, id, acceptEncoding);
    detail.answeredBy = answer.answeredBy;
    if (answer.error) detail.error = answer.error;
    answer = compressed(behavior, answer, acceptEncoding);
    if (key !== undefined && answer.answeredBy !== "cloudfront") {
      const ttl = cacheTtlSeconds(policy, answer.status, answer.headers, this.distribution.errorCachingMinTtl, this.now());
      detail.ttlSeconds = ttl;
      if (ttl > 0) {
        const now = this.now();
        const originAge = Number(headerValue(answer.headers, "age"));
        this.cache.set(key, {
          status: answer.status,
          headers: answer.headers,
          body: answer.body,
          storedAt: now,
          expiresAt: now + ttl * 1000,
          originAgeSeconds: Number.isInteger(originAge) && originAge > 0 ? originAge : 0,
        });
      }
    }
    return finish(answer, answer.answeredBy === "cloudfront" ? answer.error?.split(":")[0] ?? "Error" : answer.status >= 400 ? "Error" : "Miss");
  }

  private functionEvent(viewer: ViewerRequest, request: EdgeRequest, id: string): FunctionEvent {
    const headers = nameRecord<FunctionField>();
    for (const { name, value } of request.headers) if (name.toLowerCase() !== "cookie") addField(headers, name.toLowerCase(), value);
    const cookies = nameRecord<FunctionField>();
    for (const { name, value } of request.cookies) addField(cookies, name, value);
    return {
      version: "1.0",
      context: { distributionDomainName: this.distribution.domainName, distributionId: this.distribution.distributionId, eventType: "viewer-request", requestId: id },
      viewer: { ip: viewer.clientIp },
      request: { method: request.method, uri: request.uri, querystring: functionQuerystring(request.query), headers, cookies },
    };
  }

  /** What CloudFront sends on: headers and query the origin request policy and cache policy select, plus CloudFront's own. */
  private originHeaders(behavior: Behavior, request: EdgeRequest, viewer: ViewerRequest, acceptEncoding: string | undefined, origin: Origin): HeaderList {
    const forwardPolicy = behavior.originRequestPolicy;
    const forwarded = request.headers.filter(({ name }) => {
      const lower = name.toLowerCase();
      if (NEVER_FORWARDED.test(lower)) return false;
      return selects(behavior.cachePolicy.headers, lower) || (forwardPolicy !== undefined && selects(forwardPolicy.headers, lower));
    });
    const headers: HeaderList = [{ name: "Host", value: origin.domainName }, ...forwarded];
    const cookieSelection = forwardPolicy?.cookies;
    const cookies = request.cookies.filter(({ name }) => selects(behavior.cachePolicy.cookies, name) || (cookieSelection !== undefined && selects(cookieSelection, name)));
    if (cookies.length > 0) headers.push({ name: "Cookie", value: cookies.map(({ name, value }) => `${name}=${value}`).join("; ") });
    if (acceptEncoding !== undefined) headers.push({ name: "Accept-Encoding", value: acceptEncoding });
    if (!headers.some(({ name }) => name.toLowerCase() === "user-agent")) headers.push({ name: "User-Agent", value: "Amazon CloudFront" });
    const viaBefore = headerValue(request.headers, "via");
    const via = `${viewer.httpVersion} ${this.via}`;
    headers.push({ name: "Via", value: viaBefore ? `${viaBefore}, ${via}` : via });
    const xff = headerValue(request.headers, "x-forwarded-for");
    headers.push({ name: "X-Forwarded-For", value: xff ? `${xff}, ${viewer.clientIp}` : viewer.clientIp });
    if (request.bodyBytes > 0) headers.push({ name: "Content-Length", value: String(request.bodyBytes) });
    return headers;
  }

  private originQuery(behavior: Behavior, query: string): string {
    const forwardPolicy = behavior.originRequestPolicy;
    return queryPairs(query)
      .filter(({ name }) => selects(behavior.cachePolicy.queryStrings, name) || (forwardPolicy !== undefined && selects(forwardPolicy.queryStrings, name)))
      .map(({ pair }) => pair)
      .join("&");
  }

  private async fetchFromOrigin(behavior: Behavior, request: EdgeRequest, viewer: ViewerRequest, id: string, acceptEncoding: string | undefined): Promise<OriginAnswer> {
    let origin = this.distribution.origins.get(behavior.originId) as Origin;
    let headers = this.originHeaders(behavior, request, viewer, acceptEncoding, origin);
    let uri = request.uri;
    let query = this.originQuery(behavior, request.query);
    let body = request.body;
    let bodyBytes = request.bodyBytes;
    let customHeaders: HeaderList = origin.kind === "api" ? origin.customHeaders.map(({ name, value }) => ({ name, value })) : [];

    const association = behavior.originRequest;
    if (association) {
      const lambda = this.lambdas.get(association.lambda.address);
      if (!lambda) return lambdaError(503, "LambdaExecutionError", `${association.lambda.address} is not loaded`);
      const event = this.originRequestEvent(request, viewer, id, headers, uri, query, origin, customHeaders, association.includeBody);
      const result = await lambda.invoke(event);
      if (!result.ok) return lambdaError(503, "LambdaExecutionError", `${association.lambda.functionName}: ${result.message}`);
      const value = result.value as Record<string, unknown> | null;
      if (value !== null && typeof value === "object" && "status" in value) return edgeGeneratedResponse(value);
      const returned = value as OriginRequestShape | null;
      if (returned === null || typeof returned !== "object" || typeof returned.uri !== "string") return lambdaError(502, "LambdaValidationError", "the function returned neither a request nor a response");
      const changed = returnedRequest(returned, headers, origin, this.distribution.origins);
      if ("error" in changed) return lambdaError(502, "LambdaValidationError", changed.error);
      ({ uri, query, origin, customHeaders } = changed);
      headers = changed.headers;
      if (changed.body) {
        body = changed.body;
        bodyBytes = body.length;
        headers = setHeader(headers, "Content-Length", String(bodyBytes));
      }
    }

    // An origin custom header replaces a viewer header of the same name rather than joining it.
    const finalHeaders: HeaderList = [...withoutHeaders(headers, customHeaders.map(({ name }) => name.toLowerCase())), ...customHeaders, { name: "X-Amz-Cf-Id", value: id }];
    if (origin.kind === "s3") {
      const answer = await s3Get(origin, request.method, uri);
      return { ...answer, answeredBy: "s3" };
    }
    const api = this.apis.get(origin.id) as RestApiEmulator;
    const answer = await api.handle({
      method: request.method,
      path: `${(origin as ApiOrigin).originPath}${uri}`,
      query,
      headers: finalHeaders,
      body,
      bodyBytes,
      sourceIp: viewer.clientIp,
      domainName: origin.domainName,
    });
    return { status: answer.status, headers: answer.headers, body: answer.body, answeredBy: "regional", error: answer.gatewayError };
  }

  private originRequestEvent(
    request: EdgeRequest,
    viewer: ViewerRequest,
    id: string,
    headers: HeaderList,
    uri: string,
    query: string,
    origin: Origin,
    customHeaders: HeaderList,
    includeBody: boolean,
  ): object {
    const eventHeaders = nameRecord<{ key: string; value: string }[]>();
    for (const { name, value } of headers) {
      const lower = name.toLowerCase();
      if (!DISALLOWED.test(lower)) (eventHeaders[lower] ??= []).push({ key: name, value });
    }
    const custom = nameRecord<{ key: string; value: string }[]>();
    for (const { name, value } of customHeaders) (custom[name.toLowerCase()] ??= []).push({ key: name, value });
    const originBlock =
      origin.kind === "api"
        ? {
            custom: {
              customHeaders: custom,
              domainName: origin.domainName,
              keepaliveTimeout: origin.keepaliveTimeoutSeconds,
              path: origin.originPath,
              port: 443,
              protocol: "https",
              readTimeout: origin.readTimeoutSeconds,
              sslProtocols: origin.sslProtocols,
            },
          }
        : { s3: { authMethod: "none", customHeaders: {}, domainName: origin.domainName, path: origin.originPath } };
    const exposed = request.body.subarray(0, ORIGIN_REQUEST_BODY_LIMIT_BYTES);
    return {
      Records: [
        {
          cf: {
            config: { distributionDomainName: this.distribution.domainName, distributionId: this.distribution.distributionId, eventType: "origin-request", requestId: id },
            request: {
              clientIp: viewer.clientIp,
              headers: eventHeaders,
              method: request.method,
              origin: originBlock,
              querystring: query,
              uri,
              ...(includeBody
                ? { body: { inputTruncated: request.bodyBytes > ORIGIN_REQUEST_BODY_LIMIT_BYTES, action: "read-only", encoding: "base64", data: exposed.toString("base64") } }
                : {}),
            },
          },
        },
      ],
    };
  }

  private cloudFrontError(status: number, statusText: string, reason: string): OriginAnswer {
    const html = [
      "<!DOCTYPE HTML><html><head><title>ERROR: The request could not be satisfied</title></head><body>",
      `<h1>${status} ERROR</h1><h2>The request could not be satisfied.</h2><hr>${reason}`,
      "<hr>Generated by the edge-inference emulator (CloudFront)</body></html>",
    ].join("\n");
    return { status, statusText, headers: [{ name: "Content-Type", value: "text/html" }], body: Buffer.from(html), answeredBy: "cloudfront" };
  }

  private toViewer(viewer: ViewerRequest, behavior: Behavior, answer: OriginAnswer, resultType: string, id: string, detail: ResponseDetail, extra: HeaderList): EdgeResponse {
    let headers = withoutHeaders(answer.headers, NOT_RELAYED);
    const policy = behavior.responseHeadersPolicy;
    if (policy) {
      headers = withoutHeaders(headers, policy.remove);
      for (const header of policy.headers) {
        if (header.override || headerValue(headers, header.name) === undefined) headers = setHeader(headers, header.name, header.value);
      }
    }
    const xCache = resultType === "Hit" || resultType === "Miss" || resultType === "FunctionGeneratedResponse" ? resultType : "Error";
    headers = [
      ...headers,
      ...extra,
      { name: "X-Cache", value: `${xCache} from cloudfront` },
      { name: "Via", value: `${viewer.httpVersion === "2.0" ? "2.0" : "1.1"} ${this.via}` },
      { name: "X-Amz-Cf-Pop", value: this.pop },
      { name: "X-Amz-Cf-Id", value: id },
    ];
    return { status: answer.status, statusText: answer.statusText, headers, body: answer.body, resultType, detail };
  }
}

interface OriginRequestShape {
  uri: string;
  querystring?: unknown;
  headers?: Record<string, { key?: string; value: string }[]>;
  origin?: { custom?: { domainName?: string; path?: string; customHeaders?: Record<string, { key?: string; value: string }[]> }; s3?: { domainName?: string; path?: string } };
  body?: { action?: string; encoding?: string; data?: string };
}

function lambdaError(status: number, resultType: string, message: string): OriginAnswer {
  const body = `<!DOCTYPE HTML><html><head><title>ERROR: The request could not be satisfied</title></head><body><h1>${status} ERROR</h1><h2>The request could not be satisfied.</h2><hr>The Lambda function associated with the CloudFront distribution is invalid or doesn't have the required permissions.</body></html>`;
  return { status, statusText: status === 502 ? "Bad Gateway" : "Service Unavailable", headers: [{ name: "Content-Type", value: "text/html" }], body: Buffer.from(body), answeredBy: "cloudfront", error: `${resultType}: ${message}` };
}

/** Why Node's HTTP stack, like CloudFront, would refuse a header (a name that is no token, a control or non-Latin-1 character), or undefined. */
function invalidHeader(name: string, value: string): string | undefined {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function invalidStatusText(text: string): string | undefined {
  return invalidHeader("status", text) === undefined ? undefined : `status description ${JSON.stringify(text)} has a character HTTP does not allow`;
}

function edgeHeaders(headers: unknown): HeaderList | string {
  const list: HeaderList = [];
  if (headers === undefined) return list;
  if (headers === null || typeof headers !== "object") return "headers is not an object";
  for (const [lower, values] of Object.entries(headers as Record<string, unknown>)) {
    if (!Array.isArray(values)) return `headers.${lower} is not a list`;
    for (const item of values as { key?: unknown; value?: unknown }[]) {
      if (typeof item?.value !== "string") return `headers.${lower} has a value that is not a string`;
      const key = typeof item.key === "string" ? item.key : displayHeaderName(lower);
      if (key.toLowerCase() !== lower) return `headers.${lower} has key ${JSON.stringify(key)}, which names another header`;
      const invalid = invalidHeader(key, item.value);
      if (invalid !== undefined) return `headers.${lower}: ${invalid}`;
      list.push({ name: key, value: item.value });
    }
  }
  return list;
}

/** A response the origin-request function generated, checked as CloudFront checks it (502 LambdaValidationError otherwise). */
export function edgeGeneratedResponse(value: Record<string, unknown>): OriginAnswer {
  const status = Number(value.status);
  if (!Number.isInteger(status) || status < 100 || status > 599) return lambdaError(502, "LambdaValidationError", `status ${JSON.stringify(value.status)} is not an HTTP status`);
  const headers = edgeHeaders(value.headers);
  if (typeof headers === "string") return lambdaError(502, "LambdaValidationError", headers);
  const statusText = typeof value.statusDescription === "string" ? value.statusDescription : undefined;
  const invalidText = statusText === undefined ? undefined : invalidStatusText(statusText);
  if (invalidText !== undefined) return lambdaError(502, "LambdaValidationError", invalidText);
  const forbidden = headers.map(({ name }) => name.toLowerCase()).filter((name) => DISALLOWED.test(name) || ORIGIN_REQUEST_READ_ONLY.includes(name));
  if (forbidden.length > 0) return lambdaError(502, "LambdaValidationError", `the response sets ${forbidden.join(", ")}, which a function may not set`);
  const text = value.body === undefined ? "" : value.body;
  if (typeof text !== "string") return lambdaError(502, "LambdaValidationError", "body is not a string");
  const encoding = value.bodyEncoding ?? "text";
  if (encoding !== "text" && encoding !== "base64") return lambdaError(502, "LambdaValidationError", `bodyEncoding ${JSON.stringify(encoding)} is neither text nor base64`);
  if (encoding === "base64" && !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return lambdaError(502, "LambdaValidationError", "body is not valid base64");
  if (status === 204 && text.length > 0) return lambdaError(502, "LambdaValidationError", "a 204 response has a body");
  const size = Buffer.byteLength(text) + headers.reduce((total, { name, value: headerText }) => total + name.length + headerText.length + 4, 0);
  if (size > ORIGIN_REQUEST_RESPONSE_LIMIT_BYTES) return lambdaError(502, "LambdaValidationError", `the generated response is ${size} bytes, over ${ORIGIN_REQUEST_RESPONSE_LIMIT_BYTES}`);
  return {
    status,
    statusText,
    headers,
    body: encoding === "base64" ? Buffer.from(text, "base64") : Buffer.from(text, "utf8"),
    answeredBy: "edge",
  };
}

type ChangedRequest = { uri: string; query: string; headers: HeaderList; origin: Origin; customHeaders: HeaderList; body?: Buffer } | { error: string };

/** Applies a request an origin-request function returned: its URI, query, headers, origin and replaced body. */
function returnedRequest(returned: OriginRequestShape, sent: HeaderList, origin: Origin, origins: ReadonlyMap<string, Origin>): ChangedRequest {
  if (!returned.uri.startsWith("/")) return { error: `uri ${JSON.stringify(returned.uri)} does not start with "/"` };
  const headers = edgeHeaders(returned.headers);
  if (typeof headers === "string") return { error: headers };
  const added = headers.map(({ name }) => name.toLowerCase()).filter((name) => DISALLOWED.test(name));
  if (added.length > 0) return { error: `the request sets ${added.join(", ")}, which a function may not set` };
  for (const name of ORIGIN_REQUEST_READ_ONLY) {
    if (headerValues(headers, name).join("\n") !== headerValues(sent, name).join("\n")) return { error: `the request changes ${name}, which is read-only at origin-request` };
  }
  const hidden = sent.filter(({ name }) => DISALLOWED.test(name.toLowerCase()));
  let target = origin;
  const domain = returned.origin?.custom?.domainName ?? returned.origin?.s3?.domainName;
  if (domain !== undefined && domain !== origin.domainName) {
    const found = [...origins.values()].find((candidate) => candidate.domainName === domain);
    if (!found) return { error: `the request goes to origin ${domain}, which is not an origin of this distribution` };
    target = found;
  }
  const customHeaders: HeaderList = [];
  for (const [lower, values] of Object.entries(returned.origin?.custom?.customHeaders ?? {})) {
    for (const item of values) customHeaders.push({ name: item.key ?? displayHeaderName(lower), value: item.value });
  }
  let body: Buffer | undefined;
  if (returned.body?.action === "replace") body = returned.body.encoding === "text" ? Buffer.from(returned.body.data ?? "", "utf8") : Buffer.from(returned.body.data ?? "", "base64");
  const query = typeof returned.querystring === "string" ? returned.querystring : "";
  return { uri: returned.uri, query, headers: [...headers, ...hidden], origin: target, customHeaders, body };
}

/** The request a viewer function returned, as CloudFront carries it on: URI, query, headers and cookies. */
function fromFunctionRequest(before: EdgeRequest, returned: FunctionEvent["request"]): EdgeRequest {
  const originalNames = new Map(before.headers.map(({ name }) => [name.toLowerCase(), name]));
  const headers: HeaderList = fieldValues(returned.headers).map(({ name, value }) => ({ name: originalNames.get(name) ?? name, value }));
  const cookies = fieldValues(returned.cookies);
  return { ...before, uri: returned.uri, query: serializeQuerystring(returned.querystring), headers, cookies };
}

/** The response a viewer function generated, or why CloudFront would refuse it (a FunctionValidationError). */
function functionResponse(response: FunctionResponse): OriginAnswer | string {
  const headers: HeaderList = fieldValues(response.headers).map(({ name, value }) => ({ name, value }));
  for (const [name, cookie] of Object.entries(response.cookies ?? {})) {
    headers.push({ name: "Set-Cookie", value: `${name}=${cookie.value}${cookie.attributes ? `; ${cookie.attributes}` : ""}` });
  }
  for (const { name, value } of headers) {
    const invalid = invalidHeader(name, value);
    if (invalid !== undefined) return `the response's header ${JSON.stringify(name)}: ${invalid}`;
  }
  if (response.statusDescription !== undefined) {
    const invalidText = invalidStatusText(String(response.statusDescription));
    if (invalidText !== undefined) return invalidText;
  }
  const body = response.body;
  const bytes = body === undefined ? Buffer.alloc(0) : typeof body === "string" ? Buffer.from(body) : body.encoding === "base64" ? Buffer.from(body.data, "base64") : Buffer.from(body.data);
  return { status: response.statusCode, statusText: response.statusDescription, headers, body: bytes, answeredBy: "viewer-function" };
}

/**
 * CloudFront compresses what the origin did not, when the behavior says compress and the cache policy
 * keys the encoding: 200, 403 and 404 answers of a compressible type and size. A strong ETag becomes
 * weak (the bytes differ, the meaning does not), a weak one stays, one that is neither is dropped.
 */
export function compressed(behavior: Behavior, answer: OriginAnswer, acceptEncoding: string | undefined): OriginAnswer {
  if (!behavior.compress || acceptEncoding === undefined || answer.answeredBy === "cloudfront" || !COMPRESSIBLE_STATUSES.has(answer.status)) return answer;
  if (headerValue(answer.headers, "content-encoding") !== undefined) return answer;
  const type = (headerValue(answer.headers, "content-type") ?? "").toLowerCase();
  if (!COMPRESSIBLE_TYPES.test(type) || answer.body.length < COMPRESSIBLE_BYTES.min || answer.body.length > COMPRESSIBLE_BYTES.max) return answer;
  const brotli = acceptEncoding.split(",").includes("br");
  const body = brotli ? brotliCompressSync(answer.body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } }) : gzipSync(answer.body);
  const etag = headerValues(answer.headers, "etag")[0];
  const weakEtag = etag === undefined ? undefined : etag.startsWith("W/") ? etag : etag.startsWith('"') ? `W/${etag}` : undefined;
  let headers = withoutHeaders(answer.headers, weakEtag === undefined ? ["etag"] : []);
  if (weakEtag !== undefined) headers = setHeader(headers, "ETag", weakEtag);
  headers = [...headers, { name: "Content-Encoding", value: brotli ? "br" : "gzip" }, { name: "Vary", value: "Accept-Encoding" }];
  return { ...answer, headers, body };
}
