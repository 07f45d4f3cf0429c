import { blocks, isTrue, literalNumber, strings, type Config, type ResolvedElement, type StackModel } from "./stack-model";
import { RULES, type Violation } from "./violation";

export interface CacheBehavior {
  /** How a reader finds it in the plan: `default_cache_behavior` or `ordered_cache_behavior[1] (/v2/*)`. */
  readonly label: string;
  readonly config: Config;
}

export function cacheBehaviors(distribution: ResolvedElement): CacheBehavior[] {
  const defaults = blocks(distribution.config.default_cache_behavior).map((config) => ({ label: "default_cache_behavior", config }));
  const ordered = blocks(distribution.config.ordered_cache_behavior).map((config, index) => ({
    label: `ordered_cache_behavior[${index}] (${String(config.path_pattern)})`,
    config,
  }));
  return [...defaults, ...ordered];
}

/** Provider defaults when the argument is omitted (aws_cloudfront_cache_policy). */
const CACHE_POLICY_TTL_DEFAULTS = { min_ttl: 0, default_ttl: 86_400, max_ttl: 31_536_000 } as const;

/** What a cache policy puts in the cache key; empty when the key is the URL path alone. */
function cacheKeyParameters(policy: Config): string[] {
  const found: string[] = [];
  for (const parameters of blocks(policy.parameters_in_cache_key_and_forwarded_to_origin)) {
    const behaviors: [string, string][] = [
      ["headers_config", "header_behavior"],
      ["cookies_config", "cookie_behavior"],
      ["query_strings_config", "query_string_behavior"],
    ];
    for (const [block, field] of behaviors) {
      for (const config of blocks(parameters[block])) {
        if (config[field] !== undefined && config[field] !== "none") found.push(`${field} = ${String(config[field])}`);
      }
    }
    for (const flag of ["enable_accept_encoding_gzip", "enable_accept_encoding_brotli"]) {
      if (isTrue(parameters[flag])) found.push(`${flag} = true`);
    }
  }
  return found;
}

function distributionViolations(distribution: ResolvedElement): Violation[] {
  const violations: Violation[] = [];
  const path = distribution.path;
  for (const { label, config } of cacheBehaviors(distribution)) {
    if (config.cache_policy_id !== undefined && blocks(config.forwarded_values).length > 0) {
      violations.push({
        path,
        rule: RULES.cachePolicyOrForwardedValues,
        message: `${label} sets both cache_policy_id and forwarded_values, which CloudFront rejects; remove forwarded_values and put query strings, headers and cookies in the cache and origin request policies`,
      });
    }
    if (config.viewer_protocol_policy === "allow-all") {
      violations.push({
        path,
        rule: RULES.viewerHttps,
        message: `${label} has viewer_protocol_policy = allow-all, which serves inference over plain HTTP; use redirect-to-https (or https-only)`,
      });
    }
  }
  blocks(distribution.config.origin).forEach((origin, index) => {
    for (const custom of blocks(origin.custom_origin_config)) {
      const policy = custom.origin_protocol_policy;
      if (policy === "http-only" || policy === "match-viewer") {
        violations.push({
          path,
          rule: RULES.originHttpsOnly,
          message: `origin[${index}] (${String(origin.origin_id)}) has origin_protocol_policy = ${policy}, so CloudFront can reach it over plain HTTP; use https-only with origin_ssl_protocols = ["TLSv1.2"]`,
        });
      }
    }
  });
  return violations;
}

function cachePolicyViolations(policy: ResolvedElement): Violation[] {
  const ttl = (field: keyof typeof CACHE_POLICY_TTL_DEFAULTS) =>
    policy.config[field] === undefined ? CACHE_POLICY_TTL_DEFAULTS[field] : literalNumber(policy.config[field]);
  if (![ttl("min_ttl"), ttl("default_ttl"), ttl("max_ttl")].every((value) => value === 0)) return [];
  const parameters = cacheKeyParameters(policy.config);
  if (parameters.length === 0) return [];
  return [
    {
      path: policy.path,
      rule: RULES.cachePolicyDisabledKey,
      message: `all TTLs are 0 (caching disabled) but the cache key has ${parameters.join(", ")}, which CloudFront rejects; set the header, cookie and query string behaviors to none and both accept-encoding flags to false (or use the managed CachingDisabled policy), and forward what the origin needs with an origin request policy`,
    },
  ];
}

/** Rules 2-5: cache policy vs forwarded_values, disabled caching with a key, allow-all viewers, plain-HTTP origins. */
export function cloudFrontViolations(model: StackModel): Violation[] {
  return [
    ...model.ofType("aws_cloudfront_distribution").flatMap(distributionViolations),
    ...model.ofType("aws_cloudfront_cache_policy").flatMap(cachePolicyViolations),
  ];
}

/** Lambda@Edge associations of every behavior of a distribution. */
export interface EdgeAssociation {
  readonly distribution: ResolvedElement;
  readonly behavior: string;
  readonly eventType: string;
  readonly lambdaArn: string;
}

export function edgeAssociations(distribution: ResolvedElement): EdgeAssociation[] {
  return cacheBehaviors(distribution).flatMap(({ label, config }) =>
    blocks(config.lambda_function_association).map((association) => ({
      distribution,
      behavior: label,
      eventType: String(association.event_type),
      lambdaArn: strings(association.lambda_arn)[0] ?? String(association.lambda_arn),
    })),
  );
}
