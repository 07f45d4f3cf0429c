import { cacheKey, cacheTtlSeconds, normalizedAcceptEncoding, ResponseCache } from "../../../ops/emulator/caching";
import type { CachePolicy } from "../../../ops/emulator/distribution";
import { MANAGED_CACHE_POLICIES } from "../../../ops/emulator/managed-policies";

const INFERENCE: CachePolicy = {
  name: "inference",
  minTtl: 0,
  defaultTtl: 300,
  maxTtl: 3600,
  queryStrings: { behavior: "whitelist", names: ["features"] },
  headers: { behavior: "none", names: [] },
  cookies: { behavior: "none", names: [] },
  gzip: true,
  brotli: true,
};
const NOW = Date.parse("2026-01-01T00:00:00Z");
const NO_ERROR_TTLS = new Map([[400, 0], [404, 0], [500, 0]]);

function ttl(policy: CachePolicy, status: number, headers: Record<string, string>, errorTtls = NO_ERROR_TTLS): number {
  return cacheTtlSeconds(policy, status, Object.entries(headers).map(([name, value]) => ({ name, value })), errorTtls, NOW);
}

describe("cache TTL", () => {
  it("clamps max-age to [min, max] and prefers s-maxage", () => {
    expect(ttl(INFERENCE, 200, { "Cache-Control": "public, max-age=31536000, immutable" })).toBe(3600);
    expect(ttl(INFERENCE, 200, { "cache-control": "max-age=60" })).toBe(60);
    expect(ttl(INFERENCE, 200, { "cache-control": "max-age=60, s-maxage=120" })).toBe(120);
    expect(ttl({ ...INFERENCE, minTtl: 30 }, 200, { "cache-control": "max-age=5" })).toBe(30);
  });

  it("uses the default TTL without Cache-Control or Expires, and Expires minus Date otherwise", () => {
    expect(ttl(INFERENCE, 200, {})).toBe(300);
    expect(ttl(INFERENCE, 200, { date: new Date(NOW).toUTCString(), expires: new Date(NOW + 90_000).toUTCString() })).toBe(90);
  });

  it("keeps no-store, no-cache and private out unless the minimum TTL says otherwise", () => {
    for (const directive of ["no-store", "no-cache", "private"]) {
      expect(ttl(INFERENCE, 200, { "cache-control": directive })).toBe(0);
      expect(ttl({ ...INFERENCE, minTtl: 10 }, 200, { "cache-control": directive })).toBe(10);
    }
  });

  it("caches errors for the error caching minimum TTL (10 s unless configured), statuses it never caches not at all", () => {
    expect(ttl(INFERENCE, 400, { "cache-control": "no-store" })).toBe(0);
    expect(ttl(INFERENCE, 503, { "cache-control": "no-store" }, new Map())).toBe(10);
    expect(ttl(INFERENCE, 404, { "cache-control": "max-age=30" })).toBe(30);
    expect(ttl(INFERENCE, 413, {})).toBe(0);
    expect(ttl(INFERENCE, 201, {})).toBe(0);
  });

  it("always caches 404, 414 and 500-504; 400, 403, 405, 412 and 415 only with max-age or s-maxage", () => {
    const tenSeconds = new Map<number, number>();
    for (const status of [404, 414, 500, 501, 502, 503, 504]) expect(ttl(INFERENCE, status, {}, tenSeconds)).toBe(10);
    for (const status of [400, 403, 405, 412, 415]) {
      expect(ttl(INFERENCE, status, {}, tenSeconds)).toBe(0);
      expect(ttl(INFERENCE, status, { "cache-control": "no-cache" }, tenSeconds)).toBe(0);
      expect(ttl(INFERENCE, status, { "cache-control": "max-age=60" }, tenSeconds)).toBe(60);
      expect(ttl(INFERENCE, status, { "cache-control": "s-maxage=0" }, tenSeconds)).toBe(10);
    }
    for (const status of [401, 406, 408, 409, 413, 416, 429, 505]) expect(ttl(INFERENCE, status, { "cache-control": "max-age=60" }, tenSeconds)).toBe(0);
  });

  it("never caches under CachingDisabled", () => {
    expect(ttl(MANAGED_CACHE_POLICIES["4135ea2d-6df8-44a3-9df3-4b5a84be39ad"], 200, { "cache-control": "max-age=600" })).toBe(0);
  });
});

describe("cache key", () => {
  const key = (query: string, acceptEncoding?: string) => cacheKey(INFERENCE, { method: "GET", uri: "/v2/models/iris/versions/1/infer", query, headers: [], cookies: [], acceptEncoding });

  it("holds only allow-listed query strings, in the order sent", () => {
    expect(key("features=1,2,3,4&utm=x")).toBe(key("features=1,2,3,4"));
    expect(key("a=1&features=1,2,3,4")).toBe(key("features=1,2,3,4"));
    expect(key("features=1,2,3,4")).not.toBe(key("features=1.0,2,3,4"));
  });

  it("normalises Accept-Encoding to the encodings the policy enables", () => {
    expect(normalizedAcceptEncoding(INFERENCE, "gzip, deflate, br")).toBe("br,gzip");
    expect(normalizedAcceptEncoding(INFERENCE, "deflate, gzip;q=0.5")).toBe("gzip");
    expect(normalizedAcceptEncoding(INFERENCE, "br;q=0, identity")).toBeUndefined();
    expect(normalizedAcceptEncoding({ ...INFERENCE, brotli: false }, "br, gzip")).toBe("gzip");
    expect(key("features=1,2,3,4", "gzip")).not.toBe(key("features=1,2,3,4"));
  });
});

describe("response cache", () => {
  it("serves an entry until its TTL runs out", () => {
    const cache = new ResponseCache();
    cache.set("k", { status: 200, headers: [], body: Buffer.from("x"), storedAt: NOW, expiresAt: NOW + 5000, originAgeSeconds: 0 });
    expect(cache.get("k", NOW + 4999)?.status).toBe(200);
    expect(cache.get("k", NOW + 5000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
