/** Headers as they travel: names as written, order kept, a name may repeat. */
export type HeaderList = { readonly name: string; readonly value: string }[];

export function headerValues(headers: HeaderList, lowerName: string): string[] {
  const values: string[] = [];
  for (const header of headers) if (header.name.toLowerCase() === lowerName) values.push(header.value);
  return values;
}

/** Repeated headers joined with ", ", as HTTP allows for list-valued fields. */
export function headerValue(headers: HeaderList, lowerName: string): string | undefined {
  const values = headerValues(headers, lowerName);
  return values.length === 0 ? undefined : values.join(", ");
}

export function withoutHeaders(headers: HeaderList, lowerNames: Iterable<string>): HeaderList {
  const drop = new Set(lowerNames);
  return headers.filter(({ name }) => !drop.has(name.toLowerCase()));
}

/** Replaces every value of `name` with one value, at the position of the first. */
export function setHeader(headers: HeaderList, name: string, value: string): HeaderList {
  const lower = name.toLowerCase();
  const index = headers.findIndex((header) => header.name.toLowerCase() === lower);
  const rest = headers.filter((header) => header.name.toLowerCase() !== lower);
  if (index < 0) return [...rest, { name, value }];
  rest.splice(index, 0, { name, value });
  return rest;
}

/**
 * A record keyed by names the viewer or a function chose: without a prototype, `__proto__`,
 * `constructor` and the like are plain keys, and nothing reaches Object.prototype.
 */
export function nameRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** An HTTP request as one hop of the emulator receives it. */
export interface ReceivedRequest {
  readonly method: string;
  /** The path as sent, percent-encoding kept, without the query. */
  readonly path: string;
  /** The query as sent, without '?'. */
  readonly query: string;
  readonly headers: HeaderList;
  /** The body as received, up to the emulator's buffer limit. */
  readonly body: Buffer;
  /** Bytes the sender sent, which may exceed body.length. */
  readonly bodyBytes: number;
}

/** A request as the viewer sent it to the edge. */
export interface ViewerRequest extends ReceivedRequest {
  readonly clientIp: string;
  /** "1.0", "1.1" or "2.0": for Via, and HTTP/1.0 gets no compression. */
  readonly httpVersion: string;
}

/** What the edge answers, and how it came to it. */
export interface EdgeResponse {
  readonly status: number;
  readonly statusText?: string;
  readonly headers: HeaderList;
  readonly body: Buffer;
  /** CloudFront's x-edge-result-type: Hit, Miss, Error, FunctionGeneratedResponse, LambdaValidationError, ... */
  readonly resultType: string;
  readonly detail: ResponseDetail;
  /** CloudFront drops the connection after some errors (a request over its size limits). */
  readonly closeConnection?: boolean;
}

export interface ResponseDetail {
  readonly behavior: string;
  /** The URI after the viewer-request function. */
  uri?: string;
  cacheKey?: string;
  ttlSeconds?: number;
  /** What answered a miss: the edge function, the regional API, the bucket, or CloudFront itself. */
  answeredBy?: "edge" | "regional" | "s3" | "cloudfront" | "viewer-function";
  functionLogs?: string[];
  error?: string;
}
