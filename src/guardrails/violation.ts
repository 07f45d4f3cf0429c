/** Every rule the guardrails enforce. The id is printed in each message so a reviewer can look it up. */
export const RULES = {
  edgeRegion: "lambda-at-edge/us-east-1",
  edgeEnvironment: "lambda-at-edge/no-environment",
  edgeLayers: "lambda-at-edge/no-layers",
  edgeArchitecture: "lambda-at-edge/x86-64",
  edgeTimeout: "lambda-at-edge/timeout",
  edgeMemory: "lambda-at-edge/memory",
  edgePublishedVersion: "lambda-at-edge/published-version",
  edgeZipSize: "lambda-at-edge/zip-size",
  cachePolicyOrForwardedValues: "cloudfront/cache-policy-or-forwarded-values",
  cachePolicyDisabledKey: "cloudfront/no-cache-key-when-caching-disabled",
  viewerHttps: "cloudfront/viewer-https",
  originHttpsOnly: "cloudfront/origin-https-only",
  iamWildcardActions: "iam/no-wildcard-actions",
  s3PublicBucket: "s3/no-public-bucket",
} as const;

export type RuleId = (typeof RULES)[keyof typeof RULES];

/** One broken rule at one construct. `message` says what is wrong and how to fix it, on one line. */
export interface Violation {
  readonly path: string;
  readonly rule: RuleId;
  readonly message: string;
}

export function formatViolation(violation: Violation): string {
  return `${violation.path}: ${violation.rule}: ${violation.message}`;
}
