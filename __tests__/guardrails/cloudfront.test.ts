import { API_ORIGIN, cachePolicy, distribution, NO_KEY, testStack, violations } from "./harness";

describe("cloudfront guardrails", () => {
  test("cloudfront/cache-policy-or-forwarded-values: a behavior with both", () => {
    const scope = testStack();
    distribution(scope, {
      orderedCacheBehavior: [{ pathPattern: "/v2/*", forwardedValues: { queryString: true, cookies: { forward: "none" } } }],
    });
    expect(violations(scope.stack)).toEqual([
      "test/distribution: cloudfront/cache-policy-or-forwarded-values: ordered_cache_behavior[0] (/v2/*) sets both cache_policy_id and forwarded_values, which CloudFront rejects; remove forwarded_values and put query strings, headers and cookies in the cache and origin request policies",
    ]);
  });

  test("cloudfront/no-cache-key-when-caching-disabled: all TTLs 0 with a query string and compression in the key", () => {
    const scope = testStack();
    cachePolicy(scope, { defaultTtl: 0, maxTtl: 0 });
    expect(violations(scope.stack)).toEqual([
      "test/cache_policy: cloudfront/no-cache-key-when-caching-disabled: all TTLs are 0 (caching disabled) but the cache key has query_string_behavior = whitelist, enable_accept_encoding_gzip = true, enable_accept_encoding_brotli = true, which CloudFront rejects; set the header, cookie and query string behaviors to none and both accept-encoding flags to false (or use the managed CachingDisabled policy), and forward what the origin needs with an origin request policy",
    ]);
  });

  test("a cache policy with TTLs, or with all TTLs 0 and an empty key, passes", () => {
    const withTtls = testStack();
    cachePolicy(withTtls, {});
    expect(violations(withTtls.stack)).toEqual([]);

    const disabled = testStack();
    cachePolicy(disabled, { defaultTtl: 0, maxTtl: 0, parametersInCacheKeyAndForwardedToOrigin: NO_KEY });
    expect(violations(disabled.stack)).toEqual([]);
  });

  test("cloudfront/viewer-https: allow-all on the default and on an ordered behavior", () => {
    const scope = testStack();
    distribution(scope, {
      defaultCacheBehavior: { viewerProtocolPolicy: "allow-all" },
      orderedCacheBehavior: [{ pathPattern: "/models/*", viewerProtocolPolicy: "allow-all" }],
    });
    expect(violations(scope.stack)).toEqual([
      "test/distribution: cloudfront/viewer-https: default_cache_behavior has viewer_protocol_policy = allow-all, which serves inference over plain HTTP; use redirect-to-https (or https-only)",
      "test/distribution: cloudfront/viewer-https: ordered_cache_behavior[0] (/models/*) has viewer_protocol_policy = allow-all, which serves inference over plain HTTP; use redirect-to-https (or https-only)",
    ]);
  });

  test("cloudfront/origin-https-only: http-only and match-viewer custom origins", () => {
    const scope = testStack();
    distribution(scope, {
      origin: [
        { ...API_ORIGIN, customOriginConfig: { ...API_ORIGIN.customOriginConfig!, originProtocolPolicy: "http-only" } },
        { ...API_ORIGIN, originId: "legacy", customOriginConfig: { ...API_ORIGIN.customOriginConfig!, originProtocolPolicy: "match-viewer" } },
      ],
    });
    expect(violations(scope.stack)).toEqual([
      'test/distribution: cloudfront/origin-https-only: origin[0] (api) has origin_protocol_policy = http-only, so CloudFront can reach it over plain HTTP; use https-only with origin_ssl_protocols = ["TLSv1.2"]',
      'test/distribution: cloudfront/origin-https-only: origin[1] (legacy) has origin_protocol_policy = match-viewer, so CloudFront can reach it over plain HTTP; use https-only with origin_ssl_protocols = ["TLSv1.2"]',
    ]);
  });
});
