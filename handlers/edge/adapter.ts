import type { CloudFrontHeaders, CloudFrontRequestEvent, CloudFrontRequestResult, CloudFrontResultResponse } from "aws-lambda";
import { matchRoute, RUNTIME_REQUEST_HEADERS, runtimeFrom, type RuntimeResponse, type RuntimeSource } from "../core";
import { displayHeaderName } from "../shared/header-names";

/** CloudFront's limit on a response generated at origin-request, headers included. */
export const EDGE_MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * Headers a Lambda@Edge generated response must not carry: CloudFront's disallowed headers and the
 * origin-request read-only ones (edge-functions-restrictions.md). Any of them makes CloudFront answer 502.
 */
export const EDGE_FORBIDDEN_HEADERS: readonly (string | RegExp)[] = [
  "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "trailer", "upgrade",
  "x-accel-buffering", "x-accel-charset", "x-accel-limit-rate", "x-accel-redirect", /^x-amz-cf-/, "x-amzn-auth",
  "x-amzn-cf-billing", "x-amzn-cf-id", "x-amzn-cf-xff", "x-amzn-errortype", "x-amzn-fle-profile", "x-amzn-header-count",
  "x-amzn-header-order", "x-amzn-lambda-integration-tag", "x-amzn-requestid", "x-cache", /^x-edge-/, "x-forwarded-proto",
  "x-real-ip", "accept-encoding", "content-length", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since",
  "transfer-encoding", "via",
];

export function isForbiddenEdgeHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return EDGE_FORBIDDEN_HEADERS.some((rule) => (typeof rule === "string" ? rule === lower : rule.test(lower)));
}

export type EdgeHandlerOptions = RuntimeSource & {
  /**
   * Whether the origin behind this distribution is the regional API, which can answer what the edge
   * cannot (truncated bodies, responses over 1 MB). Without it those requests get a 413.
   */
  readonly regionalFallback?: boolean;
};

/**
 * Base64 request bodies are decoded into one buffer that is reused: allocating a fresh ArrayBuffer
 * costs more than decoding a few KB. A sandbox serves one request at a time; should two overlap
 * (a local server), the second gets its own buffer.
 */
class ReusableDecodeBuffer {
  private spare: Buffer | undefined;

  decode(base64: string): Buffer {
    const length = Buffer.byteLength(base64, "base64");
    let target = this.spare;
    this.spare = undefined;
    if (target === undefined || target.length < length) target = Buffer.allocUnsafeSlow(Math.max(length, MIN_DECODE_BUFFER_BYTES));
    return target.subarray(0, target.write(base64, "base64"));
  }

  release(decoded: Buffer): void {
    const whole = Buffer.from(decoded.buffer, decoded.byteOffset, decoded.buffer.byteLength);
    if (whole.length <= EDGE_MAX_REQUEST_BYTES) this.spare = whole;
  }
}

/** The most request body CloudFront hands a Lambda@Edge function; larger bodies arrive truncated. */
const EDGE_MAX_REQUEST_BYTES = 1024 * 1024;
const MIN_DECODE_BUFFER_BYTES = 16 * 1024;

export type EdgeHandler = (event: CloudFrontRequestEvent) => Promise<CloudFrontRequestResult>;

/** Response header name -> [lower-case name, display key], or null when CloudFront forbids it; the core uses a handful of names. */
const headerKeys = new Map<string, readonly [string, string] | null>();

function headerKey(name: string): readonly [string, string] | null {
  let key = headerKeys.get(name);
  if (key === undefined) {
    const lower = name.toLowerCase();
    key = isForbiddenEdgeHeader(lower) ? null : [lower, displayHeaderName(lower)];
    headerKeys.set(name, key);
  }
  return key;
}

function toCloudFrontResponse(response: RuntimeResponse): CloudFrontResultResponse {
  const headers: CloudFrontHeaders = {};
  for (const name in response.headers) {
    const key = headerKey(name);
    if (key !== null) headers[key[0]] = [{ key: key[1], value: response.headers[name] }];
  }
  const { body } = response;
  if (typeof body === "string") return { status: String(response.status), headers, body, bodyEncoding: "text" };
  // Binary-extension answers travel base64-encoded; CloudFront decodes them for the viewer.
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return { status: String(response.status), headers, body: bytes.toString("base64"), bodyEncoding: "base64" };
}

/** Headers the core sets are a few hundred bytes; a body this short fits with them, whatever its characters. */
const SURELY_FITS_UTF16_UNITS = Math.floor((EDGE_MAX_RESPONSE_BYTES - 64 * 1024) / 3);

function exceedsEdgeLimit(response: CloudFrontResultResponse): boolean {
  const body = response.body ?? "";
  if (body.length < SURELY_FITS_UTF16_UNITS) return false;
  let bytes = Buffer.byteLength(body);
  for (const values of Object.values(response.headers ?? {})) {
    for (const { key, value } of values) bytes += Buffer.byteLength(`${key ?? ""}: ${value}\r\n`);
  }
  return bytes > EDGE_MAX_RESPONSE_BYTES;
}

function errorResponse(status: number, message: string): CloudFrontResultResponse {
  return toCloudFrontResponse({
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
    body: JSON.stringify({ error: message }),
  });
}

/**
 * CloudFront origin-request adapter: generates the response for OIP routes of models this bundle
 * carries, and returns the request unchanged (on to the origin) for everything else.
 */
export function createEdgeHandler(options: EdgeHandlerOptions): EdgeHandler {
  const runtime = runtimeFrom(options);
  const regionalFallback = options.regionalFallback ?? true;
  const decodeBuffer = new ReusableDecodeBuffer();
  return async (event) => {
    const { request, config } = event.Records[0].cf;
    const route = matchRoute(request.uri);
    if (!route) return request;
    if (route.model !== undefined) {
      const model = runtime.registry.configOf(route.model);
      // An edge bundle carries only edge models: the regional origin serves, or 404s, every other name.
      const servedElsewhere = model === undefined ? regionalFallback : model.serve === "regional" || model.modelFile === undefined;
      if (servedElsewhere) return request;
    }
    const body = request.body;
    if (body?.inputTruncated) {
      // CloudFront exposed only the first 1 MB; the regional origin receives the whole body.
      if (regionalFallback) return request;
      return errorResponse(413, "request body is larger than the 1 MB Lambda@Edge can read, and this model has no regional endpoint");
    }
    const headers: Record<string, string> = {};
    const incoming = request.headers ?? {};
    for (const name of RUNTIME_REQUEST_HEADERS) {
      const values = incoming[name];
      if (values !== undefined && values.length > 0) headers[name] = values.length === 1 ? values[0].value : values.map((header) => header.value).join(", ");
    }
    const data = body?.data;
    const decoded = data === undefined || data === "" || body?.encoding === "text" ? undefined : decodeBuffer.decode(data);
    let handled: RuntimeResponse;
    try {
      handled = await runtime.handle({
        method: request.method,
        path: request.uri,
        query: request.querystring ?? "",
        headers,
        body: decoded ?? (data === "" ? undefined : data),
        requestId: config?.requestId,
        route,
      });
    } finally {
      // The runtime is done with the bytes: its answer (text or a fresh buffer) holds none of them.
      if (decoded !== undefined) decodeBuffer.release(decoded);
    }
    const response = toCloudFrontResponse(handled);
    if (exceedsEdgeLimit(response)) {
      if (regionalFallback) return request;
      return errorResponse(413, "the response would exceed the 1 MB CloudFront allows a Lambda@Edge function to generate; send fewer rows");
    }
    return response;
  };
}
