import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { DEFAULT_MAX_REQUEST_BYTES, runtimeFrom, type RuntimeResponse, type RuntimeSource } from "../core";

/** Lambda's synchronous invocation payload limit applies to the response as well. */
export const API_MAX_RESPONSE_BYTES = DEFAULT_MAX_REQUEST_BYTES;

export type ApiHandlerOptions = RuntimeSource;

/** Real events carry nulls where @types/aws-lambda promises objects (the console test has `headers: null`). */
type LooseProxyEvent = Partial<Omit<APIGatewayProxyEvent, "requestContext">> & {
  requestContext?: Partial<APIGatewayProxyEvent["requestContext"]> | null;
};

export type ApiHandler = (event: APIGatewayProxyEvent, context?: Partial<Context>) => Promise<APIGatewayProxyResult>;

function lowerCaseHeaders(event: LooseProxyEvent): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (typeof value === "string") headers[name.toLowerCase()] = value;
  }
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (Array.isArray(values) && values.length > 0) headers[name.toLowerCase()] = values.join(", ");
  }
  return headers;
}

/**
 * API Gateway hands over decoded query values, so the raw query is rebuilt: each comma-separated
 * piece re-encoded, repeated parameters kept repeated (the core rejects them as duplicates).
 */
export function rawQueryOf(event: LooseProxyEvent): string {
  const multi = event.multiValueQueryStringParameters;
  const single = event.queryStringParameters;
  const pairs: string[] = [];
  const encodeValue = (value: string) => value.split(",").map(encodeURIComponent).join(",");
  if (multi && Object.keys(multi).length > 0) {
    for (const [name, values] of Object.entries(multi)) {
      for (const value of values ?? []) pairs.push(`${encodeURIComponent(name)}=${encodeValue(value)}`);
    }
  } else if (single) {
    for (const [name, value] of Object.entries(single)) {
      if (value !== undefined) pairs.push(`${encodeURIComponent(name)}=${encodeValue(value)}`);
    }
  }
  return pairs.join("&");
}

/** Bytes go back base64-encoded; the REST API's binary media types let API Gateway return them intact. */
function toProxyResult(response: RuntimeResponse): APIGatewayProxyResult {
  const { body } = response;
  return typeof body === "string"
    ? { statusCode: response.status, headers: response.headers, body, isBase64Encoded: false }
    : { statusCode: response.status, headers: response.headers, body: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("base64"), isBase64Encoded: true };
}

function tooLarge(message: string): APIGatewayProxyResult {
  return toProxyResult({ status: 413, headers: { "content-type": "application/json", "cache-control": "no-store" }, body: JSON.stringify({ error: message }) });
}

/** API Gateway REST proxy adapter for the regional inference function. */
export function createApiHandler(options: ApiHandlerOptions): ApiHandler {
  const runtime = runtimeFrom(options);
  return async (incoming, context) => {
    const event = incoming as LooseProxyEvent;
    const rawBody = event.body ?? undefined;
    const body = rawBody === undefined || rawBody === "" ? undefined : event.isBase64Encoded ? Buffer.from(rawBody, "base64") : rawBody;
    const bytes = body === undefined ? 0 : typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
    if (bytes > DEFAULT_MAX_REQUEST_BYTES) {
      return tooLarge(`request body is ${bytes} bytes; Lambda accepts at most ${DEFAULT_MAX_REQUEST_BYTES}`);
    }
    const response = await runtime.handle({
      method: event.httpMethod ?? event.requestContext?.httpMethod ?? "GET",
      path: event.path ?? "/",
      query: rawQueryOf(event),
      headers: lowerCaseHeaders(event),
      body,
      requestId: event.requestContext?.requestId ?? context?.awsRequestId,
    });
    const result = toProxyResult(response);
    if (Buffer.byteLength(result.body) > API_MAX_RESPONSE_BYTES) {
      return tooLarge(`the response would exceed the ${API_MAX_RESPONSE_BYTES} bytes Lambda can return; send fewer rows`);
    }
    return result;
  };
}
