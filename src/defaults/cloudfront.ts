import type { CloudfrontCachePolicyParametersInCacheKeyAndForwardedToOriginQueryStringsConfig } from "@cdktf/provider-aws/lib/cloudfront-cache-policy";
import type { CloudfrontResponseHeadersPolicySecurityHeadersConfig } from "@cdktf/provider-aws/lib/cloudfront-response-headers-policy";

/** Every CloudFront default of this project, as constants and pure functions. InferenceDistribution applies them. */

/**
 * AWS-managed cache policies, by the name the console shows. IDs are the same in every account
 * (CloudFront Developer Guide, "Use managed cache policies").
 */
export const MANAGED_CACHE_POLICY = {
  /** No query strings, headers or cookies in the key; gzip/brotli normalised; TTL 1 s / 1 day / 1 year. */
  CachingOptimized: "658327ea-f89d-4fab-a63d-7e88639e58f6",
  /** TTLs 0: every request goes to the origin. */
  CachingDisabled: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
} as const;

/**
 * AWS-managed origin request policies ("Use managed origin request policies"). A forwarded viewer
 * Host header makes API Gateway answer 403, because the host names another API; this policy sends
 * every other header, every cookie and the whole query string.
 */
export const MANAGED_ORIGIN_REQUEST_POLICY = {
  AllViewerExceptHostHeader: "b689b0a8-53d0-40ab-baf2-68738e2966ac",
} as const;

/** The three method sets CloudFront accepts for allowed_methods; no other combination is valid. */
export const ALL_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"] as const;
export const READ_METHODS = ["GET", "HEAD"] as const;
export const READ_AND_OPTIONS_METHODS = ["GET", "HEAD", "OPTIONS"] as const;
/** Only GET and HEAD responses are cached; OPTIONS stays uncached so a preflight always reaches the origin. */
export const CACHED_METHODS = ["GET", "HEAD"] as const;

export const VIEWER_PROTOCOL_POLICY = "redirect-to-https";
export const HTTP_VERSION = "http2and3";
/** Minimum TLS for viewers on a custom domain. The default *.cloudfront.net certificate cannot be restricted. */
export const VIEWER_MINIMUM_PROTOCOL_VERSION = "TLSv1.2_2021";
export const VIEWER_SSL_SUPPORT_METHOD = "sni-only";

/**
 * The regional API origin. API Gateway's REST integration timeout is 29 s, so a 30 s read timeout
 * lets API Gateway's own 504 (in the OIP error shape) reach the client instead of CloudFront's.
 * Keep-alive stays at CloudFront's default: API Gateway does not document its idle timeout, and
 * reusing a connection the origin has closed surfaces as a 502.
 */
export const API_ORIGIN_DEFAULTS = {
  httpPort: 80,
  httpsPort: 443,
  originProtocolPolicy: "https-only",
  originSslProtocols: ["TLSv1.2"],
  originReadTimeoutSeconds: 30,
  originKeepaliveTimeoutSeconds: 5,
} as const;

/** Custom origins accept 1-180 s for both timeouts; above 60 s needs a Service Quotas increase first. */
export const ORIGIN_TIMEOUT_RANGE = { min: 1, max: 180, withoutQuotaIncrease: 60 } as const;

/** Origin Access Control for the model bucket: every request signed with SigV4. */
export const MODEL_BUCKET_ACCESS_CONTROL = {
  originAccessControlOriginType: "s3",
  signingBehavior: "always",
  signingProtocol: "sigv4",
} as const;

/**
 * Default quotas this construct checks at synth; raise the matching prop once the account's quota is
 * raised. The CloudFront Developer Guide now lists 75 cache behaviors per distribution while the
 * General Reference still lists 25; 25 is the value every account is guaranteed.
 */
export const CLOUDFRONT_QUOTAS = {
  cacheBehaviorsPerDistribution: 25,
  queryStringsPerCachePolicy: 10,
} as const;

/** Largest TTL a cache policy accepts (one year). */
export const MAX_TTL_SECONDS = 31_536_000;

/**
 * The 4xx/5xx codes CloudFront caches (10 s unless configured) and accepts in custom_error_response.
 * 416 is accepted but never cached; 413, 415 and other codes are neither accepted nor cached.
 */
export const CACHED_ERROR_CODES = [400, 403, 404, 405, 414, 500, 501, 502, 503, 504] as const;

export type FrameOption = "DENY" | "SAMEORIGIN";
export type ReferrerPolicy =
  | "no-referrer"
  | "no-referrer-when-downgrade"
  | "origin"
  | "origin-when-cross-origin"
  | "same-origin"
  | "strict-origin"
  | "strict-origin-when-cross-origin"
  | "unsafe-url";

export interface SecurityHeaders {
  readonly hstsMaxAgeSeconds: number;
  readonly hstsIncludeSubdomains: boolean;
  /** Preload commits every subdomain of the registrable domain to HTTPS in browsers for months; opt in deliberately. */
  readonly hstsPreload: boolean;
  readonly frameOption: FrameOption;
  readonly referrerPolicy: ReferrerPolicy;
  /** null sends no Content-Security-Policy. */
  readonly contentSecurityPolicy: string | null;
}

export const ONE_YEAR_SECONDS = 31_536_000;

/**
 * Headers for a JSON API that no page should frame or script. Referrer policy is no-referrer rather
 * than strict-origin-when-cross-origin: a GET .../infer URL carries model inputs in its query string,
 * and no response of this API links anywhere that needs a referrer. X-XSS-Protection is sent as 0,
 * because the legacy filter it controls could be abused and modern browsers have removed it.
 */
export function securityHeadersDefaults(): SecurityHeaders {
  return {
    hstsMaxAgeSeconds: 2 * ONE_YEAR_SECONDS,
    hstsIncludeSubdomains: true,
    hstsPreload: false,
    frameOption: "DENY",
    referrerPolicy: "no-referrer",
    contentSecurityPolicy: "default-src 'none'; frame-ancestors 'none'",
  };
}

/** Warnings for caller overrides that weaken a security header default, one line each. */
export function securityHeadersWarnings(headers: SecurityHeaders): string[] {
  const warnings: string[] = [];
  if (headers.hstsMaxAgeSeconds < ONE_YEAR_SECONDS) {
    warnings.push(`securityHeaders.hstsMaxAgeSeconds is ${headers.hstsMaxAgeSeconds}: browsers forget HTTPS-only sooner than a year, which leaves a window for downgrade attacks`);
  }
  if (!headers.hstsIncludeSubdomains) {
    warnings.push("securityHeaders.hstsIncludeSubdomains is false: subdomains can still be reached over plain HTTP first");
  }
  if (headers.frameOption !== "DENY") {
    warnings.push(`securityHeaders.frameOption is ${headers.frameOption}: API responses can be framed by pages of the same origin`);
  }
  if (headers.referrerPolicy === "unsafe-url" || headers.referrerPolicy === "no-referrer-when-downgrade") {
    warnings.push(`securityHeaders.referrerPolicy is ${headers.referrerPolicy}: full URLs, including GET inference inputs, are sent as Referer to other sites`);
  }
  if (headers.contentSecurityPolicy === null) {
    warnings.push("securityHeaders.contentSecurityPolicy is unset: responses opened in a browser may load scripts and be framed by policy-less pages");
  }
  return warnings;
}

/** Values CloudFront would reject, one line each. */
export function securityHeadersProblems(headers: SecurityHeaders): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(headers.hstsMaxAgeSeconds) || headers.hstsMaxAgeSeconds < 0) {
    problems.push(`securityHeaders.hstsMaxAgeSeconds: ${headers.hstsMaxAgeSeconds} must be a whole number of seconds >= 0 (at least ${ONE_YEAR_SECONDS} recommended)`);
  }
  if (headers.hstsPreload && (!headers.hstsIncludeSubdomains || headers.hstsMaxAgeSeconds < ONE_YEAR_SECONDS)) {
    problems.push("securityHeaders.hstsPreload: browsers' preload lists require includeSubdomains and a max-age of at least one year");
  }
  if (headers.contentSecurityPolicy !== null && (headers.contentSecurityPolicy.trim() === "" || headers.contentSecurityPolicy.length > 1783)) {
    problems.push("securityHeaders.contentSecurityPolicy: must be 1-1783 characters (CloudFront's limit), or null to send none");
  }
  return problems;
}

/** Every header is set with override = true, so an origin response cannot weaken it. */
export function securityHeadersConfig(headers: SecurityHeaders): CloudfrontResponseHeadersPolicySecurityHeadersConfig {
  return {
    strictTransportSecurity: {
      accessControlMaxAgeSec: headers.hstsMaxAgeSeconds,
      includeSubdomains: headers.hstsIncludeSubdomains,
      preload: headers.hstsPreload,
      override: true,
    },
    contentTypeOptions: { override: true },
    frameOptions: { frameOption: headers.frameOption, override: true },
    referrerPolicy: { referrerPolicy: headers.referrerPolicy, override: true },
    xssProtection: { protection: false, override: true },
    contentSecurityPolicy:
      headers.contentSecurityPolicy === null ? undefined : { contentSecurityPolicy: headers.contentSecurityPolicy, override: true },
  };
}

export interface CacheTtls {
  readonly minTtlSeconds: number;
  readonly defaultTtlSeconds: number;
  readonly maxTtlSeconds: number;
}

/**
 * TTL settings CloudFront refuses, or that would serve what the origin marked uncacheable. The
 * inference cache policy always has cache-key parameters (gzip/brotli, usually query strings), which
 * CloudFront refuses when every TTL is 0.
 */
export function cacheTtlProblems(ttls: CacheTtls): string[] {
  const problems: string[] = [];
  const { minTtlSeconds: min, defaultTtlSeconds: defaultTtl, maxTtlSeconds: max } = ttls;
  for (const [name, value] of Object.entries(ttls)) {
    if (!Number.isInteger(value) || value < 0 || value > MAX_TTL_SECONDS) {
      problems.push(`cache.${name}: ${value} must be a whole number of seconds from 0 to ${MAX_TTL_SECONDS}`);
    }
  }
  if (problems.length > 0) return problems;
  if (!(min <= defaultTtl && defaultTtl <= max)) {
    problems.push(`cache: CloudFront requires minTtlSeconds <= defaultTtlSeconds <= maxTtlSeconds (got ${min}, ${defaultTtl}, ${max})`);
  }
  if (min === 0 && defaultTtl === 0 && max === 0) {
    problems.push("cache: every TTL is 0 but the inference cache policy has cache-key parameters (query strings, gzip/brotli), which CloudFront refuses; set maxTtlSeconds above 0");
  } else if (min > 0) {
    problems.push(
      `cache.minTtlSeconds: ${min} would make CloudFront cache responses marked Cache-Control: no-store (health checks, errors) for at least ${min} s; set it to 0 and let defaultTtlSeconds and the origin's max-age decide`,
    );
  }
  return problems;
}

/**
 * The cache key's query strings: the names every model accepts on GET .../infer when they fit the
 * per-policy quota, else `all`. `all` keys on the same parameters in practice, because the
 * viewer-request function drops every parameter the model does not accept before the cache lookup.
 */
export function inferenceQueryStrings(
  names: readonly string[],
  quota: number,
): CloudfrontCachePolicyParametersInCacheKeyAndForwardedToOriginQueryStringsConfig {
  const unique = [...new Set(names)].sort();
  if (unique.length === 0) return { queryStringBehavior: "none" };
  if (unique.length > quota) return { queryStringBehavior: "all" };
  return { queryStringBehavior: "whitelist", queryStrings: { items: unique } };
}
