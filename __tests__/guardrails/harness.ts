import { App, TerraformStack, Testing } from "cdktf";
import {
  CloudfrontDistribution,
  type CloudfrontDistributionDefaultCacheBehavior,
  type CloudfrontDistributionOrderedCacheBehavior,
  type CloudfrontDistributionOrigin,
} from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { CloudfrontCachePolicy, type CloudfrontCachePolicyConfig } from "@cdktf/provider-aws/lib/cloudfront-cache-policy";
import { LambdaFunction, type LambdaFunctionConfig } from "@cdktf/provider-aws/lib/lambda-function";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { addGuardrails } from "../../src/guardrails";
import { ProblemsError } from "../../src/problems";

/** Small stacks built from raw provider resources, to trip one guardrail at a time. */

export const ACCOUNT = "111111111111";
/** Managed CachingOptimized: a cache policy id that needs no resource of its own. */
export const CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6";

export interface TestStack {
  readonly app: App;
  readonly stack: TerraformStack;
  readonly regional: AwsProvider;
  readonly usEast1: AwsProvider;
}

export function testStack(id = "test", app: App = Testing.app()): TestStack {
  const stack = new TerraformStack(app, id);
  const regional = new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const usEast1 = new AwsProvider(stack, "us_east_1", { region: "us-east-1", alias: "us_east_1" });
  return { app, stack, regional, usEast1 };
}

/** A function Lambda@Edge accepts at origin-request, until `overrides` say otherwise. */
export function edgeLambda(scope: TestStack, id = "edge_lambda", overrides: Partial<LambdaFunctionConfig> = {}): LambdaFunction {
  return new LambdaFunction(scope.stack, id, {
    provider: scope.usEast1,
    functionName: `test-${id.replace(/_/g, "-")}`,
    role: `arn:aws:iam::${ACCOUNT}:role/test-edge`,
    runtime: "nodejs22.x",
    handler: "index.handler",
    filename: "edge.zip",
    architectures: ["x86_64"],
    memorySize: 1024,
    timeout: 30,
    publish: true,
    ...overrides,
  });
}

/** A cache key of nothing but the path. */
export const NO_KEY = {
  cookiesConfig: { cookieBehavior: "none" },
  headersConfig: { headerBehavior: "none" },
  queryStringsConfig: { queryStringBehavior: "none" },
};

/** An inference cache policy every CloudFront guardrail accepts, until `config` says otherwise. */
export function cachePolicy(scope: TestStack, config: Partial<CloudfrontCachePolicyConfig> = {}): CloudfrontCachePolicy {
  return new CloudfrontCachePolicy(scope.stack, "cache_policy", {
    provider: scope.usEast1,
    name: "test-inference",
    minTtl: 0,
    defaultTtl: 300,
    maxTtl: 3600,
    parametersInCacheKeyAndForwardedToOrigin: {
      ...NO_KEY,
      queryStringsConfig: { queryStringBehavior: "whitelist", queryStrings: { items: ["input"] } },
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    },
    ...config,
  });
}

export const API_ORIGIN: CloudfrontDistributionOrigin = {
  originId: "api",
  domainName: "abc123.execute-api.eu-west-1.amazonaws.com",
  originPath: "/dev",
  customOriginConfig: { httpPort: 80, httpsPort: 443, originProtocolPolicy: "https-only", originSslProtocols: ["TLSv1.2"] },
};

export interface DistributionOptions {
  readonly origin?: CloudfrontDistributionOrigin[];
  readonly defaultCacheBehavior?: Partial<CloudfrontDistributionDefaultCacheBehavior>;
  readonly orderedCacheBehavior?: Partial<CloudfrontDistributionOrderedCacheBehavior>[];
}

/** A distribution every CloudFront guardrail accepts, until `options` say otherwise. */
export function distribution(scope: TestStack, options: DistributionOptions = {}, id = "distribution"): CloudfrontDistribution {
  const behavior = {
    targetOriginId: "api",
    viewerProtocolPolicy: "redirect-to-https",
    allowedMethods: ["GET", "HEAD"],
    cachedMethods: ["GET", "HEAD"],
    cachePolicyId: CACHING_OPTIMIZED,
  };
  return new CloudfrontDistribution(scope.stack, id, {
    provider: scope.usEast1,
    enabled: true,
    origin: options.origin ?? [API_ORIGIN],
    defaultCacheBehavior: { ...behavior, ...options.defaultCacheBehavior },
    orderedCacheBehavior: options.orderedCacheBehavior?.map((ordered) => ({ ...behavior, pathPattern: "/v2/*", ...ordered })),
    restrictions: { geoRestriction: { restrictionType: "none" } },
    viewerCertificate: { cloudfrontDefaultCertificate: true },
  });
}

/** What synth reports with the guardrails on: one line per violation, or nothing when it succeeds. */
export function violations(stack: TerraformStack): readonly string[] {
  addGuardrails(stack);
  try {
    Testing.synth(stack, true);
    return [];
  } catch (error) {
    if (error instanceof ProblemsError) return error.problems;
    throw error;
  }
}
