import type { CachePolicy, OriginRequestPolicy } from "./distribution";

/**
 * AWS-managed policies, which a synthesized stack names only by ID. Their settings are AWS's, listed
 * in the CloudFront Developer Guide ("Use managed cache policies", "Use managed origin request policies").
 */
export const MANAGED_CACHE_POLICIES: Readonly<Record<string, CachePolicy>> = {
  "658327ea-f89d-4fab-a63d-7e88639e58f6": {
    name: "Managed-CachingOptimized",
    minTtl: 1,
    defaultTtl: 86_400,
    maxTtl: 31_536_000,
    queryStrings: { behavior: "none", names: [] },
    headers: { behavior: "none", names: [] },
    cookies: { behavior: "none", names: [] },
    gzip: true,
    brotli: true,
  },
  "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": {
    name: "Managed-CachingDisabled",
    minTtl: 0,
    defaultTtl: 0,
    maxTtl: 0,
    queryStrings: { behavior: "none", names: [] },
    headers: { behavior: "none", names: [] },
    cookies: { behavior: "none", names: [] },
    gzip: false,
    brotli: false,
  },
};

export const MANAGED_ORIGIN_REQUEST_POLICIES: Readonly<Record<string, OriginRequestPolicy>> = {
  "b689b0a8-53d0-40ab-baf2-68738e2966ac": {
    name: "Managed-AllViewerExceptHostHeader",
    headers: { behavior: "allExcept", names: ["host"] },
    cookies: { behavior: "all", names: [] },
    queryStrings: { behavior: "all", names: [] },
  },
};
