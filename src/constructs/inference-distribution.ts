import { CloudfrontCachePolicy } from "@cdktf/provider-aws/lib/cloudfront-cache-policy";
import {
  CloudfrontDistribution,
  type CloudfrontDistributionDefaultCacheBehavior,
  type CloudfrontDistributionOrderedCacheBehavior,
  type CloudfrontDistributionOrderedCacheBehaviorLambdaFunctionAssociation,
  type CloudfrontDistributionRestrictionsGeoRestriction,
  type CloudfrontDistributionViewerCertificate,
} from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { CloudfrontOriginAccessControl } from "@cdktf/provider-aws/lib/cloudfront-origin-access-control";
import { CloudfrontResponseHeadersPolicy } from "@cdktf/provider-aws/lib/cloudfront-response-headers-policy";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Annotations, Token, type TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { MODEL_FILE } from "../../handlers/shared/model-manifest";
import { CLOUDFRONT_CONTROL_REGION } from "../config/regions";
import { PRICE_CLASSES, type EnvironmentConfig, type ServingMode } from "../config/schema";
import {
  ALL_METHODS,
  API_ORIGIN_DEFAULTS,
  CACHED_ERROR_CODES,
  CACHED_METHODS,
  cacheTtlProblems,
  CLOUDFRONT_QUOTAS,
  HTTP_VERSION,
  inferenceQueryStrings,
  MANAGED_CACHE_POLICY,
  MANAGED_ORIGIN_REQUEST_POLICY,
  MODEL_BUCKET_ACCESS_CONTROL,
  ORIGIN_TIMEOUT_RANGE,
  READ_AND_OPTIONS_METHODS,
  READ_METHODS,
  securityHeadersConfig,
  securityHeadersDefaults,
  securityHeadersProblems,
  securityHeadersWarnings,
  VIEWER_MINIMUM_PROTOCOL_VERSION,
  VIEWER_PROTOCOL_POLICY,
  VIEWER_SSL_SUPPORT_METHOD,
  type CacheTtls,
  type SecurityHeaders,
} from "../defaults/cloudfront";
import { ProblemsError } from "../problems";

/** The regional API as an origin; an InferenceApi satisfies this. */
export interface DistributionApiOrigin {
  /** `<api id>.execute-api.<region>.amazonaws.com` */
  readonly originDomainName: string;
  /** `/<stage>` */
  readonly originPath: string;
  /** Sent as the x-api-key origin header. Sensitive: Terraform masks it because the API key attribute is sensitive. */
  readonly apiKeyValue: string;
}

/** Where model files live; a ModelStore satisfies this. */
export interface DistributionModelStore {
  readonly bucketRegionalDomainName: string;
  /** Key prefix of every model file, e.g. `models/`; it becomes the `/models/*` behavior. */
  readonly modelKeyPrefix: string;
  /** Lets exactly this distribution read the model files through Origin Access Control. */
  grantDistributionRead(distributionArn: string): void;
}

export interface DistributionModel {
  readonly name: string;
  readonly serve: ServingMode;
  /** Names GET .../infer accepts as query parameters: the model's input names. They form the cache key. */
  readonly queryParameterNames: readonly string[];
}

export interface DistributionCustomDomain {
  /** Alternate domain names the certificate covers, e.g. ["inference.example.com"]. The first one is the public host. */
  readonly aliases: readonly string[];
  /** An ACM certificate in us-east-1, where CloudFront looks for certificates. */
  readonly acmCertificateArn: string;
}

export type PriceClass = (typeof PRICE_CLASSES)[number];
export type GeoRestriction = EnvironmentConfig["distribution"]["geoRestriction"];

/** What the distribution needs of the edge inference function; EdgeInferenceFunction is one. */
export interface DistributionEdgeFunction {
  association(options: { readonly includeBody?: boolean }): CloudfrontDistributionOrderedCacheBehaviorLambdaFunctionAssociation;
}

export interface InferenceDistributionProps {
  /** Prefixes the account-wide names of the cache policy, response headers policy and origin access control. */
  readonly namePrefix: string;
  readonly api: DistributionApiOrigin;
  readonly modelStore: DistributionModelStore;
  readonly models: readonly DistributionModel[];
  /** The viewer-request CloudFront Function (versioned path rewrite, query canonicalization); required, the cache keys depend on it. */
  readonly viewerRequestFunctionArn: string;
  /**
   * The origin-request Lambda@Edge function that serves edge models (an EdgeInferenceFunction); its
   * own association (published version, event type) is attached with the request body. Omit to serve
   * every model from the regional API.
   */
  readonly edgeFunction?: DistributionEdgeFunction;
  /** TTLs of the inference cache policy (GET infer, metadata, health). */
  readonly cache: CacheTtls;
  readonly priceClass: PriceClass;
  readonly geoRestriction: GeoRestriction;
  /** Without it, viewers use the *.cloudfront.net name and certificate. */
  readonly customDomain?: DistributionCustomDomain;
  /** A WAFv2 web ACL ARN with CLOUDFRONT scope (`arn:aws:wafv2:us-east-1:<account>:global/webacl/...`). */
  readonly webAclArn?: string;
  /** Overrides named security headers; weakening one emits a synth warning. */
  readonly securityHeaders?: Partial<SecurityHeaders>;
  readonly originReadTimeoutSeconds?: number;
  readonly originKeepaliveTimeoutSeconds?: number;
  /** The account's applied "cache behaviors per distribution" quota, if raised. */
  readonly cacheBehaviorQuota?: number;
  /** The account's applied "query strings per cache policy" quota, if raised. */
  readonly queryStringQuota?: number;
  readonly comment?: string;
  /** The us-east-1 provider. */
  readonly provider: TerraformProvider;
}

export const API_ORIGIN_ID = "inference-api";
export const MODEL_BUCKET_ORIGIN_ID = "model-bucket";

const NAME_PREFIX = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;
const MODEL_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const ORIGIN_PATH = /^(\/[A-Za-z0-9._~-]+)+$/;
const KEY_PREFIX = /^([A-Za-z0-9._-]+\/)+$/;
const CLOUDFRONT_FUNCTION_ARN = /^arn:aws[a-z-]*:cloudfront::\d{12}:function\/[A-Za-z0-9_-]{1,64}$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):\d{12}:function:[A-Za-z0-9_-]{1,64}(?::([^:]+))?$/;
const ACM_ARN = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[0-9a-f-]{36}$/;
const WAF_ARN = /^arn:aws[a-z-]*:wafv2:([a-z0-9-]+):\d{12}:(global|regional)\/webacl\/[A-Za-z0-9_-]{1,128}\/[0-9a-f-]{36}$/;
const ALIAS = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const COUNTRY = /^[A-Z]{2}$/;

/**
 * The CloudFront distribution in front of the regional Open Inference Protocol API and the model bucket.
 *
 * CloudFront picks the cache behavior from the viewer's path before the viewer-request function runs,
 * and it cannot route by method. So the behavior a GET lands on must carry the inference cache policy
 * even when the function then rewrites its path to `/v2/models/{m}/versions/{current}...` (the
 * version is in the cache key that way) and canonicalizes its query. POST infer shares that behavior:
 * CloudFront never caches POST, so the cache policy only forwards it, with the same effect as
 * CachingDisabled. Ordered behaviors, first match wins:
 *  a. `/models/*`: the bucket via OAC, CachingOptimized, no functions; devices download models here.
 *  b. per regional model, `/v2/models/<m>` and `/v2/models/<m>/*`: the inference cache policy, no edge function.
 *  c. `/v2/models/*`: the inference cache policy and the edge function at origin-request, with the body.
 *  d. `/v2/health/*` and `/v2`: the inference cache policy (their responses say no-store, so nothing is kept).
 *  default: the API, CachingDisabled, no functions.
 * Every API behavior forwards all viewer headers but Host (API Gateway answers 403 to a foreign Host),
 * so Content-Type and Inference-Header-Content-Length reach the edge function and the origin; every /v2
 * behavior runs the viewer-request function. The edge function is attached, with the body, only when
 * one is given and at least one model serves at the edge; it hands requests for unknown models to the
 * origin.
 * Cache keys are versioned, so a model update needs no invalidation. Errors are never cached
 * (error_caching_min_ttl 0) and keep the origin's body.
 */
export class InferenceDistribution extends Construct {
  public readonly cachePolicy: CloudfrontCachePolicy;
  public readonly responseHeadersPolicy: CloudfrontResponseHeadersPolicy;
  public readonly originAccessControl: CloudfrontOriginAccessControl;
  public readonly distribution: CloudfrontDistribution;
  /** In match order; the default behavior is `distribution.defaultCacheBehavior`. */
  public readonly orderedCacheBehaviors: readonly CloudfrontDistributionOrderedCacheBehavior[];
  /** Whether the shared model behavior (c) runs the Lambda@Edge function. */
  public readonly edgeInferenceEnabled: boolean;

  public readonly distributionId: string;
  public readonly arn: string;
  /** The *.cloudfront.net name. */
  public readonly domainName: string;
  /** For a Route53 alias record. */
  public readonly hostedZoneId: string;
  /** The name clients use: the first custom alias, else the *.cloudfront.net name. */
  public readonly publicDomainName: string;
  /** `https://<domain>/models/<name>/<version>/model.onnx` */
  public readonly modelDownloadUrlPattern: string;

  private readonly modelKeyPrefix: string;

  constructor(scope: Construct, id: string, props: InferenceDistributionProps) {
    super(scope, id);
    const securityHeaders: SecurityHeaders = { ...securityHeadersDefaults(), ...definedOnly(props.securityHeaders ?? {}) };
    const cacheBehaviorQuota = props.cacheBehaviorQuota ?? CLOUDFRONT_QUOTAS.cacheBehaviorsPerDistribution;
    const queryStringQuota = props.queryStringQuota ?? CLOUDFRONT_QUOTAS.queryStringsPerCachePolicy;
    const readTimeout = props.originReadTimeoutSeconds ?? API_ORIGIN_DEFAULTS.originReadTimeoutSeconds;
    const keepaliveTimeout = props.originKeepaliveTimeoutSeconds ?? API_ORIGIN_DEFAULTS.originKeepaliveTimeoutSeconds;
    const regionalModels = props.models.filter((model) => model.serve === "regional").map((model) => model.name);
    const edgeModels = props.models.filter((model) => model.serve === "edge").map((model) => model.name);
    const edgeAssociation = props.edgeFunction?.association({ includeBody: true });
    this.edgeInferenceEnabled = edgeAssociation !== undefined && edgeModels.length > 0;
    this.modelKeyPrefix = props.modelStore.modelKeyPrefix;

    // a, two per regional model, c, and the two of d.
    const behaviorCount = 1 + 2 * regionalModels.length + 1 + 2;
    const problems = [
      ...this.propProblems(props, { readTimeout, keepaliveTimeout, cacheBehaviorQuota, queryStringQuota }),
      ...(edgeAssociation === undefined ? [] : edgeAssociationProblems(edgeAssociation)),
      ...cacheTtlProblems(props.cache),
      ...securityHeadersProblems(securityHeaders),
    ];
    if (behaviorCount > cacheBehaviorQuota) {
      problems.push(
        `${regionalModels.length} regional models need ${behaviorCount} cache behaviors, over the quota of ${cacheBehaviorQuota} per distribution; serve some of them at the edge, or request a higher "Cache behaviors per distribution" quota and pass it as cacheBehaviorQuota`,
      );
    }
    if (problems.length > 0) {
      throw new ProblemsError(problems.map((problem) => `InferenceDistribution ${this.node.path}: ${problem}`));
    }
    this.warn(props, securityHeaders, edgeModels, readTimeout, keepaliveTimeout);

    const provider = props.provider;
    const queryParameterNames = props.models.flatMap((model) => model.queryParameterNames);
    this.cachePolicy = new CloudfrontCachePolicy(this, "inference-cache-policy", {
      provider,
      name: `${props.namePrefix}-inference`,
      comment: "Versioned OIP paths; the viewer function canonicalizes the query, so only model inputs key the cache",
      minTtl: props.cache.minTtlSeconds,
      defaultTtl: props.cache.defaultTtlSeconds,
      maxTtl: props.cache.maxTtlSeconds,
      parametersInCacheKeyAndForwardedToOrigin: {
        queryStringsConfig: inferenceQueryStrings(queryParameterNames, queryStringQuota),
        headersConfig: { headerBehavior: "none" },
        cookiesConfig: { cookieBehavior: "none" },
        enableAcceptEncodingGzip: true,
        enableAcceptEncodingBrotli: true,
      },
    });

    this.responseHeadersPolicy = new CloudfrontResponseHeadersPolicy(this, "security-headers", {
      provider,
      name: `${props.namePrefix}-security-headers`,
      comment: "HSTS, nosniff, frame DENY, referrer policy and CSP on every response",
      securityHeadersConfig: securityHeadersConfig(securityHeaders),
    });

    this.originAccessControl = new CloudfrontOriginAccessControl(this, "model-bucket-oac", {
      provider,
      name: `${props.namePrefix}-models`,
      description: "CloudFront signs every model bucket request with SigV4",
      ...MODEL_BUCKET_ACCESS_CONTROL,
    });

    const apiBehavior = (options: { cachePolicyId: string; methods: readonly string[]; edge: boolean }) => ({
      targetOriginId: API_ORIGIN_ID,
      viewerProtocolPolicy: VIEWER_PROTOCOL_POLICY,
      compress: true,
      allowedMethods: [...options.methods],
      cachedMethods: [...CACHED_METHODS],
      cachePolicyId: options.cachePolicyId,
      originRequestPolicyId: MANAGED_ORIGIN_REQUEST_POLICY.AllViewerExceptHostHeader,
      responseHeadersPolicyId: this.responseHeadersPolicy.id,
      functionAssociation: [{ eventType: "viewer-request", functionArn: props.viewerRequestFunctionArn }],
      lambdaFunctionAssociation:
        options.edge && edgeAssociation !== undefined ? [edgeAssociation] : undefined,
    });
    const cached = this.cachePolicy.id;
    const disabled = MANAGED_CACHE_POLICY.CachingDisabled;
    const edge = this.edgeInferenceEnabled;

    this.orderedCacheBehaviors = [
      {
        pathPattern: `/${props.modelStore.modelKeyPrefix}*`,
        targetOriginId: MODEL_BUCKET_ORIGIN_ID,
        viewerProtocolPolicy: VIEWER_PROTOCOL_POLICY,
        compress: true,
        allowedMethods: [...READ_AND_OPTIONS_METHODS],
        cachedMethods: [...CACHED_METHODS],
        cachePolicyId: MANAGED_CACHE_POLICY.CachingOptimized,
        responseHeadersPolicyId: this.responseHeadersPolicy.id,
      },
      ...regionalModels.flatMap((name) =>
        [`/v2/models/${name}`, `/v2/models/${name}/*`].map((pathPattern) => ({
          pathPattern,
          ...apiBehavior({ cachePolicyId: cached, methods: ALL_METHODS, edge: false }),
        })),
      ),
      { pathPattern: "/v2/models/*", ...apiBehavior({ cachePolicyId: cached, methods: ALL_METHODS, edge }) },
      { pathPattern: "/v2/health/*", ...apiBehavior({ cachePolicyId: cached, methods: READ_METHODS, edge: false }) },
      { pathPattern: "/v2", ...apiBehavior({ cachePolicyId: cached, methods: READ_METHODS, edge: false }) },
    ];

    const defaultCacheBehavior: CloudfrontDistributionDefaultCacheBehavior = {
      ...apiBehavior({ cachePolicyId: disabled, methods: ALL_METHODS, edge: false }),
      // Outside /v2 nothing is cached or rewritten; the API answers with an OIP 404.
      functionAssociation: undefined,
    };

    this.distribution = new CloudfrontDistribution(this, "distribution", {
      provider,
      enabled: true,
      comment: props.comment ?? `${props.namePrefix}: Open Inference Protocol API and model downloads`,
      isIpv6Enabled: true,
      httpVersion: HTTP_VERSION,
      priceClass: props.priceClass,
      aliases: props.customDomain ? [...props.customDomain.aliases] : undefined,
      webAclId: props.webAclArn,
      origin: [
        {
          originId: API_ORIGIN_ID,
          domainName: props.api.originDomainName,
          originPath: props.api.originPath,
          customOriginConfig: {
            httpPort: API_ORIGIN_DEFAULTS.httpPort,
            httpsPort: API_ORIGIN_DEFAULTS.httpsPort,
            originProtocolPolicy: API_ORIGIN_DEFAULTS.originProtocolPolicy,
            originSslProtocols: [...API_ORIGIN_DEFAULTS.originSslProtocols],
            originReadTimeout: readTimeout,
            originKeepaliveTimeout: keepaliveTimeout,
          },
          customHeader: [{ name: "x-api-key", value: props.api.apiKeyValue }],
        },
        {
          originId: MODEL_BUCKET_ORIGIN_ID,
          domainName: props.modelStore.bucketRegionalDomainName,
          // No s3_origin_config: the provider adds the empty one the API wants, and never reads an empty
          // one back, so declaring it would show a change on every plan.
          originAccessControlId: this.originAccessControl.id,
        },
      ],
      defaultCacheBehavior,
      orderedCacheBehavior: [...this.orderedCacheBehaviors],
      customErrorResponse: CACHED_ERROR_CODES.map((errorCode) => ({ errorCode, errorCachingMinTtl: 0 })),
      restrictions: { geoRestriction: geoRestrictionBlock(props.geoRestriction) },
      viewerCertificate: viewerCertificate(props.customDomain),
    });

    props.modelStore.grantDistributionRead(this.distribution.arn);

    this.distributionId = this.distribution.id;
    this.arn = this.distribution.arn;
    this.domainName = this.distribution.domainName;
    this.hostedZoneId = this.distribution.hostedZoneId;
    this.publicDomainName = props.customDomain?.aliases[0] ?? this.distribution.domainName;
    this.modelDownloadUrlPattern = this.modelDownloadUrl("<name>", "<version>");
  }

  /** Where devices download one model version for on-device inference. */
  public modelDownloadUrl(name: string, version: string): string {
    return `https://${this.publicDomainName}/${this.modelKeyPrefix}${name}/${version}/${MODEL_FILE}`;
  }

  private propProblems(
    props: InferenceDistributionProps,
    settings: { readTimeout: number; keepaliveTimeout: number; cacheBehaviorQuota: number; queryStringQuota: number },
  ): string[] {
    const problems: string[] = [];
    const known = (value: string | undefined): value is string => value !== undefined && !Token.isUnresolved(value);

    if (known(props.namePrefix) && !NAME_PREFIX.test(props.namePrefix)) {
      problems.push(`namePrefix: "${props.namePrefix}" must be 1-40 characters of A-Z, a-z, 0-9, '-' or '_' (it starts account-wide policy names)`);
    }
    if (props.models.length === 0) problems.push("models: is empty; the distribution serves at least one model");
    const names = props.models.map((model) => model.name);
    const repeated = [...new Set(names.filter((name, index) => names.indexOf(name) !== index))];
    if (repeated.length > 0) problems.push(`models: names must be unique; repeated: ${repeated.join(", ")}`);
    for (const model of props.models) {
      if (!MODEL_NAME.test(model.name)) {
        problems.push(`models: "${model.name}" must be 1-63 characters of a-z, 0-9, '_' or '-' (it becomes a path pattern)`);
      }
      if (model.serve !== "edge" && model.serve !== "regional") {
        problems.push(`models.${model.name}.serve: "${String(model.serve)}" must be "edge" or "regional"`);
      }
      for (const parameter of model.queryParameterNames) {
        if (parameter === "" || /[\s&=#]/.test(parameter)) {
          problems.push(`models.${model.name}.queryParameterNames: "${parameter}" cannot be a query parameter name (empty, or contains whitespace, '&', '=' or '#')`);
        }
      }
    }

    if (known(props.api.originPath) && !ORIGIN_PATH.test(props.api.originPath)) {
      problems.push(`api.originPath: "${props.api.originPath}" must start with '/' and not end with '/', e.g. "/prod"`);
    }
    if (known(props.modelStore.modelKeyPrefix) && !KEY_PREFIX.test(props.modelStore.modelKeyPrefix)) {
      problems.push(`modelStore.modelKeyPrefix: "${props.modelStore.modelKeyPrefix}" must be a key prefix ending in '/', e.g. "models/"`);
    }
    if (known(props.viewerRequestFunctionArn) && !CLOUDFRONT_FUNCTION_ARN.test(props.viewerRequestFunctionArn)) {
      problems.push(`viewerRequestFunctionArn: "${props.viewerRequestFunctionArn}" is not a CloudFront Function ARN (arn:aws:cloudfront::<account>:function/<name>)`);
    }

    if (!(PRICE_CLASSES as readonly string[]).includes(props.priceClass)) {
      problems.push(`priceClass: "${props.priceClass}" is not a CloudFront price class; use one of ${PRICE_CLASSES.join(", ")}`);
    }
    const geo = props.geoRestriction;
    if (geo.type !== "none") {
      if (geo.locations.length === 0) problems.push(`geoRestriction: a ${geo.type} needs at least one country code`);
      const invalid = geo.locations.filter((location) => !COUNTRY.test(location));
      if (invalid.length > 0) problems.push(`geoRestriction.locations: ${invalid.join(", ")} are not ISO 3166-1 alpha-2 codes such as DE`);
    }

    if (props.customDomain) {
      const { aliases, acmCertificateArn } = props.customDomain;
      if (aliases.length === 0) problems.push("customDomain.aliases: is empty; list the host names the certificate covers");
      for (const alias of aliases) {
        if (known(alias) && !ALIAS.test(alias)) problems.push(`customDomain.aliases: "${alias}" is not a lower-case DNS name such as inference.example.com`);
      }
      if (known(acmCertificateArn)) {
        const match = ACM_ARN.exec(acmCertificateArn);
        if (!match) {
          problems.push(`customDomain.acmCertificateArn: "${acmCertificateArn}" is not an ACM certificate ARN`);
        } else if (match[1] !== CLOUDFRONT_CONTROL_REGION) {
          problems.push(`customDomain.acmCertificateArn: the certificate is in ${match[1]}; CloudFront only uses ACM certificates from ${CLOUDFRONT_CONTROL_REGION}, so request it there`);
        }
      }
    }
    if (known(props.webAclArn)) {
      const match = WAF_ARN.exec(props.webAclArn);
      if (!match) {
        problems.push(`webAclArn: "${props.webAclArn}" is not a WAFv2 web ACL ARN (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>)`);
      } else if (match[2] !== "global" || match[1] !== CLOUDFRONT_CONTROL_REGION) {
        problems.push(`webAclArn: the web ACL has REGIONAL scope in ${match[1]}; CloudFront needs one created with scope CLOUDFRONT in ${CLOUDFRONT_CONTROL_REGION}`);
      }
    }

    for (const [name, value] of [
      ["originReadTimeoutSeconds", settings.readTimeout],
      ["originKeepaliveTimeoutSeconds", settings.keepaliveTimeout],
    ] as const) {
      if (!Number.isInteger(value) || value < ORIGIN_TIMEOUT_RANGE.min || value > ORIGIN_TIMEOUT_RANGE.max) {
        problems.push(`${name}: ${value} must be a whole number of seconds from ${ORIGIN_TIMEOUT_RANGE.min} to ${ORIGIN_TIMEOUT_RANGE.max}`);
      }
    }
    for (const [name, value] of [
      ["cacheBehaviorQuota", settings.cacheBehaviorQuota],
      ["queryStringQuota", settings.queryStringQuota],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) problems.push(`${name}: ${value} must be a whole number of at least 1`);
    }
    if (props.comment !== undefined && props.comment.length > 128) {
      problems.push(`comment: is ${props.comment.length} characters; CloudFront allows 128`);
    }

    const region = props.provider instanceof AwsProvider ? props.provider.region : undefined;
    if (known(region) && region !== CLOUDFRONT_CONTROL_REGION) {
      problems.push(`provider: is in ${region}; pass the ${CLOUDFRONT_CONTROL_REGION} provider (AwsProviders.usEast1), where CloudFront's certificates, web ACLs and edge functions live`);
    }
    return problems;
  }

  private warn(
    props: InferenceDistributionProps,
    securityHeaders: SecurityHeaders,
    edgeModels: readonly string[],
    readTimeout: number,
    keepaliveTimeout: number,
  ): void {
    const annotations = Annotations.of(this);
    for (const warning of securityHeadersWarnings(securityHeaders)) annotations.addWarning(warning);
    if (props.edgeFunction === undefined && edgeModels.length > 0) {
      annotations.addWarning(`models ${edgeModels.join(", ")} are configured to serve at the edge, but no edgeFunction was given; the regional API serves them`);
    }
    if (props.edgeFunction !== undefined && edgeModels.length === 0) {
      annotations.addWarning("edgeFunction is set but every model serves regionally; the edge function is not attached to any behavior");
    }
    if (readTimeout > ORIGIN_TIMEOUT_RANGE.withoutQuotaIncrease || keepaliveTimeout > ORIGIN_TIMEOUT_RANGE.withoutQuotaIncrease) {
      annotations.addWarning(
        `origin timeouts above ${ORIGIN_TIMEOUT_RANGE.withoutQuotaIncrease} s are refused until the account's CloudFront "Response timeout per origin" / "Keep-alive timeout" quota is raised`,
      );
    }
  }
}

/**
 * Edge inference is an origin-request function (the only request event allowed 50 MB and 30 s, and
 * it reads the body); CloudFront takes only a published version in us-east-1.
 */
function edgeAssociationProblems(association: CloudfrontDistributionOrderedCacheBehaviorLambdaFunctionAssociation): string[] {
  const problems: string[] = [];
  if (association.eventType !== "origin-request") {
    problems.push(
      `edgeFunction: its event type is ${association.eventType}; edge inference runs at origin-request, the only request event whose function may be 50 MB zipped and run 30 s`,
    );
  }
  const arn = association.lambdaArn;
  if (Token.isUnresolved(arn)) return problems;
  const match = LAMBDA_ARN.exec(arn);
  if (!match) return [...problems, `edgeFunction: "${arn}" is not a Lambda function ARN`];
  const [, region, qualifier] = match;
  if (region !== CLOUDFRONT_CONTROL_REGION) {
    problems.push(`edgeFunction: the function is in ${region}; Lambda@Edge functions must be created in ${CLOUDFRONT_CONTROL_REGION}`);
  }
  if (qualifier === undefined || !/^\d+$/.test(qualifier)) {
    problems.push(
      `edgeFunction: "${arn}" must end in a published version number (:1, :2, ...); CloudFront refuses $LATEST, aliases and unqualified ARNs. Publish the function and pass its qualified_arn`,
    );
  }
  return problems;
}

function geoRestrictionBlock(geo: GeoRestriction): CloudfrontDistributionRestrictionsGeoRestriction {
  if (geo.type === "none") return { restrictionType: "none", locations: [] };
  return { restrictionType: geo.type, locations: [...geo.locations].sort() };
}

function viewerCertificate(customDomain: DistributionCustomDomain | undefined): CloudfrontDistributionViewerCertificate {
  if (customDomain === undefined) return { cloudfrontDefaultCertificate: true };
  return {
    acmCertificateArn: customDomain.acmCertificateArn,
    sslSupportMethod: VIEWER_SSL_SUPPORT_METHOD,
    minimumProtocolVersion: VIEWER_MINIMUM_PROTOCOL_VERSION,
  };
}

/** Drops keys whose value is undefined, so `{ frameOption: undefined }` does not erase a default. */
function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
