import { LRUCache } from "lru-cache";
import type { CachePolicy, Selection } from "./distribution";
import type { HeaderList } from "./http-types";
import { headerValue, headerValues } from "./http-types";

/** Statuses CloudFront caches as objects; the error codes it caches come from the distribution's error settings. */
export const CACHEABLE_STATUSES: ReadonlySet<number> = new Set([200, 203, 300, 301, 410]);
/** 4xx/5xx codes CloudFront always caches, for the error caching minimum TTL. */
export const ALWAYS_CACHED_ERROR_STATUSES: ReadonlySet<number> = new Set([404, 414, 500, 501, 502, 503, 504]);
/** 4xx codes CloudFront caches only when the origin sends max-age or s-maxage; any other error is never cached. */
export const CACHE_CONTROLLED_ERROR_STATUSES: ReadonlySet<number> = new Set([400, 403, 405, 412, 415]);
export const DEFAULT_ERROR_CACHING_MIN_TTL = 10;

/** Whether a parameter name is selected by a cache policy or origin request policy setting. */
export function selects(selection: Selection, name: string): boolean {
  switch (selection.behavior) {
    case "none":
      return false;
    case "whitelist":
      return selection.names.includes(name);
    case "allExcept":
      return !selection.names.includes(name);
    default:
      return true;
  }
}

/**
 * The Accept-Encoding value CloudFront puts in the cache key and sends to the origin when the cache
 * policy enables gzip and/or brotli: the enabled encodings the viewer accepts, br first; undefined
 * when there are none (then the header is left out).
 */
export function normalizedAcceptEncoding(policy: CachePolicy, viewerValue: string | undefined): string | undefined {
  if (!policy.gzip && !policy.brotli) return undefined;
  const accepted = new Set<string>();
  for (const part of (viewerValue ?? "").split(",")) {
    const [coding, ...parameters] = part.trim().toLowerCase().split(";");
    const zeroQuality = parameters.some((parameter) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(parameter));
    if (coding && !zeroQuality) accepted.add(coding.trim());
  }
  const encodings = [policy.brotli && accepted.has("br") ? "br" : "", policy.gzip && accepted.has("gzip") ? "gzip" : ""].filter(Boolean);
  return encodings.length > 0 ? encodings.join(",") : undefined;
}

/** `name=value` pairs of a raw query string, in order, as written (not decoded). */
export function queryPairs(query: string): { name: string; pair: string }[] {
  return query
    .split("&")
    .filter((pair) => pair !== "")
    .map((pair) => {
      const eq = pair.indexOf("=");
      return { name: eq < 0 ? pair : pair.slice(0, eq), pair };
    });
}

/** The query string filtered by a policy setting, order kept: CloudFront keys `a=1&b=2` and `b=2&a=1` apart. */
export function selectQuery(query: string, selection: Selection): string {
  return queryPairs(query)
    .filter(({ name }) => selects(selection, name))
    .map(({ pair }) => pair)
    .join("&");
}

export interface CacheKeyInput {
  readonly method: string;
  readonly uri: string;
  readonly query: string;
  readonly headers: HeaderList;
  readonly cookies: readonly { name: string; value: string }[];
  readonly acceptEncoding?: string;
}

/** The cache key the policy defines: path, the selected query strings, headers and cookies, the normalised Accept-Encoding. */
export function cacheKey(policy: CachePolicy, input: CacheKeyInput): string {
  const headers = policy.headers.behavior === "none" ? [] : input.headers.filter(({ name }) => selects(policy.headers, name.toLowerCase())).map(({ name, value }) => `${name.toLowerCase()}:${value}`);
  const cookies = input.cookies.filter(({ name }) => selects(policy.cookies, name)).map(({ name, value }) => `${name}=${value}`);
  // HEAD answers have no body, so they are kept apart from GET.
  return JSON.stringify([input.method === "HEAD" ? "HEAD" : "GET", input.uri, selectQuery(input.query, policy.queryStrings), headers, cookies, input.acceptEncoding ?? ""]);
}

interface CacheControl {
  readonly noCache: boolean;
  readonly maxAge?: number;
  readonly sMaxAge?: number;
}

export function parseCacheControl(value: string | undefined): CacheControl {
  let noCache = false;
  let maxAge: number | undefined;
  let sMaxAge: number | undefined;
  for (const directive of (value ?? "").split(",")) {
    const [rawName, rawValue] = directive.split("=");
    const name = rawName.trim().toLowerCase();
    const seconds = rawValue === undefined ? NaN : Number(rawValue.trim().replace(/^"|"$/g, ""));
    if (name === "no-cache" || name === "no-store" || name === "private") noCache = true;
    else if (name === "max-age" && Number.isInteger(seconds) && seconds >= 0) maxAge = seconds;
    else if (name === "s-maxage" && Number.isInteger(seconds) && seconds >= 0) sMaxAge = seconds;
  }
  return { noCache, maxAge, sMaxAge };
}

/**
 * How long CloudFront keeps an origin response, in seconds (0: not at all), as the Developer Guide
 * describes it ("Manage how long content stays in the cache", "Control how long CloudFront caches errors"):
 *  - no-cache, no-store or private: the policy's minimum TTL;
 *  - else s-maxage, then max-age, then Expires (minus Date), clamped to [min, max] TTL;
 *  - none of them: the default TTL;
 *  - 404, 414 and 500-504: the error caching minimum TTL, or a longer max-age / s-maxage;
 *  - 400, 403, 405, 412 and 415: the same, but only when the origin sent max-age or s-maxage.
 */
export function cacheTtlSeconds(policy: CachePolicy, status: number, headers: HeaderList, errorCachingMinTtl: ReadonlyMap<number, number>, now: number): number {
  const control = parseCacheControl(headerValues(headers, "cache-control").join(","));
  const controlled = CACHE_CONTROLLED_ERROR_STATUSES.has(status);
  if (controlled && control.maxAge === undefined && control.sMaxAge === undefined) return 0;
  if (controlled || ALWAYS_CACHED_ERROR_STATUSES.has(status)) {
    const minimum = errorCachingMinTtl.get(status) ?? DEFAULT_ERROR_CACHING_MIN_TTL;
    return Math.max(minimum, control.noCache ? 0 : (control.sMaxAge ?? control.maxAge ?? 0));
  }
  if (!CACHEABLE_STATUSES.has(status)) return 0;
  if (control.noCache) return policy.minTtl;
  let seconds = control.sMaxAge ?? control.maxAge;
  if (seconds === undefined) {
    const expires = Date.parse(headerValue(headers, "expires") ?? "");
    if (!Number.isNaN(expires)) {
      const date = Date.parse(headerValue(headers, "date") ?? "");
      seconds = Math.max(0, Math.floor((expires - (Number.isNaN(date) ? now : date)) / 1000));
    }
  }
  if (seconds === undefined) return policy.defaultTtl;
  return Math.min(policy.maxTtl, Math.max(policy.minTtl, seconds));
}

export interface CachedResponse {
  readonly status: number;
  readonly headers: HeaderList;
  readonly body: Buffer;
  /** Milliseconds since the epoch, on the emulator's clock. */
  readonly storedAt: number;
  readonly expiresAt: number;
  /** The Age the origin sent, added to the time spent in the cache. */
  readonly originAgeSeconds: number;
}

export interface ResponseCacheOptions {
  /** Entries kept at most (least recently used go first). */
  readonly maxEntries?: number;
  /** Bytes of bodies and headers kept at most. */
  readonly maxBytes?: number;
}

/** An edge location's cache: an LRU of responses, each valid until its TTL runs out. */
export class ResponseCache {
  private readonly entries: LRUCache<string, CachedResponse>;

  constructor(options: ResponseCacheOptions = {}) {
    this.entries = new LRUCache<string, CachedResponse>({
      max: options.maxEntries ?? 100_000,
      maxSize: options.maxBytes ?? 512 * 1024 * 1024,
      sizeCalculation: (entry, key) => entry.body.length + key.length + entry.headers.reduce((total, { name, value }) => total + name.length + value.length, 0) + 64,
    });
  }

  get(key: string, now: number): CachedResponse | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (now >= entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, entry: CachedResponse): void {
    this.entries.set(key, entry);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
