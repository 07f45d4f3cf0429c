import { kindOf, type ActionKind } from "./actions";
import { attributeChanges, compareText, formatPath, maskSensitive, topAttribute, type AttributeChange } from "./attribute-diff";
import { isObject, type JsonValue, type ResourceChange } from "./plan-json";

/** In the order a reviewer should read them. */
export const RISK_CATEGORIES = ["stateful", "iam", "exposure", "cache", "cost"] as const;
export type RiskCategory = (typeof RISK_CATEGORIES)[number];

export const RISK_TITLES: Record<RiskCategory, string> = {
  stateful: "Replaces or deletes a stateful or slow resource",
  iam: "Changes IAM permissions or trust",
  exposure: "Widens exposure",
  cache: "Changes caching (TTLs or cache key)",
  cost: "Changes cost",
};

export interface Risk {
  readonly category: RiskCategory;
  readonly address: string;
  readonly action: ActionKind;
  readonly message: string;
}

export interface RiskContext {
  /** The stack being planned; a `state-*` stack holds the Terraform state bucket. */
  readonly stack?: string;
}

/** Every risk in the plan, sorted by category (as RISK_CATEGORIES), then address, then message. */
export function assessRisks(resources: readonly ResourceChange[], context: RiskContext = {}): Risk[] {
  const risks: Risk[] = [];
  for (const resource of resources) {
    if (resource.mode === "data") continue;
    const action = kindOf(resource);
    if (action === "no-op" || action === "read" || action === "move" || action === "forget") continue;
    const { change } = resource;
    const facts: ResourceFacts = {
      resource,
      action,
      context,
      before: maskSensitive(change.before, change.beforeSensitive),
      after: maskSensitive(change.after, change.afterSensitive),
      changes: attributeChanges(change),
    };
    const add = (category: RiskCategory, message: string): void => {
      risks.push({ category, address: resource.address, action, message });
    };
    for (const rule of RULES) rule(facts, add);
  }
  const rank = (category: RiskCategory): number => RISK_CATEGORIES.indexOf(category);
  const unique = new Map<string, Risk>();
  for (const risk of risks) unique.set(`${risk.category}\u0000${risk.address}\u0000${risk.message}`, risk);
  return [...unique.values()].sort(
    (a, b) => rank(a.category) - rank(b.category) || compareText(a.address, b.address) || compareText(a.message, b.message),
  );
}

interface ResourceFacts {
  readonly resource: ResourceChange;
  readonly action: ActionKind;
  readonly context: RiskContext;
  /** before/after with sensitive values already masked, so no message can quote one. */
  readonly before: JsonValue | undefined;
  readonly after: JsonValue | undefined;
  readonly changes: readonly AttributeChange[];
}

type Rule = (facts: ResourceFacts, add: (category: RiskCategory, message: string) => void) => void;

const DESTRUCTIVE: readonly ActionKind[] = ["delete", "replace"];

function destructive(action: ActionKind): boolean {
  return DESTRUCTIVE.includes(action);
}

/** Top-level attributes whose value differs (known or not). */
function changedTopAttributes(changes: readonly AttributeChange[]): Set<string> {
  return new Set(changes.map((change) => topAttribute(change.path)).filter((name): name is string => name !== undefined));
}

/** Values at a dotted path where `*` walks every element of a list: `origin.*.custom_origin_config.*.origin_protocol_policy`. */
function valuesAt(root: JsonValue | undefined, pattern: string): JsonValue[] {
  let current: JsonValue[] = root === undefined ? [] : [root];
  for (const step of pattern.split(".")) {
    const next: JsonValue[] = [];
    for (const value of current) {
      if (step === "*") {
        if (Array.isArray(value)) next.push(...value);
      } else if (isObject(value) && value[step] !== undefined && value[step] !== null) {
        next.push(value[step]);
      }
    }
    current = next;
  }
  return current;
}

function firstString(root: JsonValue | undefined, pattern: string): string | undefined {
  const value = valuesAt(root, pattern)[0];
  return typeof value === "string" ? value : undefined;
}

function show(value: JsonValue | undefined): string {
  return value === undefined ? "(none)" : JSON.stringify(value);
}

/** CloudFront security policies, weakest first (CloudFront's "supported protocols and ciphers" table). */
const TLS_POLICIES = ["SSLv3", "TLSv1", "TLSv1_2016", "TLSv1.1_2016", "TLSv1.2_2018", "TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"];

const PUBLIC_ACCESS_FLAGS = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"];

/** Resource types whose policy attribute grants or trusts someone. */
const POLICY_ATTRIBUTES: Record<string, readonly string[]> = {
  aws_iam_role: ["assume_role_policy", "inline_policy", "managed_policy_arns", "permissions_boundary"],
  aws_iam_role_policy: ["policy"],
  aws_iam_policy: ["policy"],
  aws_iam_user_policy: ["policy"],
  aws_iam_group_policy: ["policy"],
  aws_s3_bucket_policy: ["policy"],
  aws_kms_key: ["policy"],
  aws_sns_topic_policy: ["policy"],
  aws_sqs_queue_policy: ["policy"],
  aws_api_gateway_rest_api_policy: ["policy"],
  aws_lambda_permission: ["action", "principal", "source_arn", "source_account", "function_url_auth_type"],
  aws_iam_role_policy_attachment: ["policy_arn", "role"],
  aws_iam_policy_attachment: ["policy_arn", "roles", "users", "groups"],
  aws_iam_user_policy_attachment: ["policy_arn", "user"],
  aws_iam_group_policy_attachment: ["policy_arn", "group"],
};

const CACHE_BEHAVIOR_ATTRIBUTES = new Set(["cache_policy_id", "min_ttl", "default_ttl", "max_ttl", "forwarded_values", "origin_request_policy_id"]);

const RULES: readonly Rule[] = [
  // Stateful or slow to replace.
  ({ resource, action, context, before, after }, add) => {
    if (!destructive(action)) return;
    const verb = action === "replace" ? "replacing" : "deleting";
    switch (resource.type) {
      case "aws_s3_bucket": {
        const name = firstString(before, "bucket") ?? firstString(after, "bucket");
        const isStateBucket =
          context.stack?.startsWith("state-") === true || resource.address.includes("state_bucket") || (name ?? "").includes("tfstate");
        const what = isStateBucket ? "the Terraform state bucket" : "S3 bucket";
        add("stateful", `${what}${name ? ` ${JSON.stringify(name)}` : ""}: ${verb} it destroys every object and version in it`);
        return;
      }
      case "aws_cloudfront_distribution":
        add(
          "stateful",
          `CloudFront distribution: ${verb} it takes many minutes, drops its cache${action === "replace" ? " and gives it a new domain name" : ""}`,
        );
        return;
      case "aws_lambda_function": {
        const published = [before, after].some((side) => valuesAt(side, "publish")[0] === true);
        if (published) {
          add(
            "stateful",
            `Lambda function with published versions (Lambda@Edge): ${verb} it waits until CloudFront removes its replicas, which can take hours`,
          );
        }
        return;
      }
      case "aws_cloudwatch_log_group":
        add("stateful", `CloudWatch log group: ${verb} it loses the logs stored in it`);
        return;
      case "aws_kms_key":
        add("stateful", `KMS key: ${verb} it schedules the key for deletion; data encrypted with it becomes unreadable`);
        return;
      case "aws_dynamodb_table":
        add("stateful", `DynamoDB table: ${verb} it destroys its items`);
        return;
      default:
        return;
    }
  },

  // IAM policies, trust and grants.
  ({ resource, action, changes }, add) => {
    const attributes = POLICY_ATTRIBUTES[resource.type];
    if (!attributes) return;
    if (action === "create" || action === "delete" || action === "replace") {
      const verb = action === "create" ? "created" : action === "delete" ? "deleted" : "replaced";
      add("iam", `${resource.type} ${verb}: review who is granted or trusted`);
      return;
    }
    const changed = changedTopAttributes(changes);
    for (const attribute of attributes) {
      if (changed.has(attribute)) add("iam", `${attribute} changes`);
    }
  },

  // Public access blocks, ACLs, ownership.
  ({ resource, action, before, after }, add) => {
    if (resource.type !== "aws_s3_bucket_public_access_block" && resource.type !== "aws_s3_account_public_access_block") return;
    if (action === "delete") {
      add("exposure", "S3 public access block removed");
      return;
    }
    for (const flag of PUBLIC_ACCESS_FLAGS) {
      const now = valuesAt(after, flag)[0];
      const was = valuesAt(before, flag)[0];
      if (now === false && was !== false) add("exposure", `${flag} turned off (${show(was)} -> false)`);
    }
  },
  ({ resource, changes, before, after }, add) => {
    if (resource.type === "aws_s3_bucket_acl") {
      const acl = firstString(after, "acl");
      if (acl && /public|authenticated/.test(acl) && firstString(before, "acl") !== acl) add("exposure", `bucket ACL becomes ${JSON.stringify(acl)}`);
    }
    if (resource.type === "aws_s3_bucket_ownership_controls" && changedTopAttributes(changes).has("rule")) {
      const was = firstString(before, "rule.*.object_ownership");
      const now = firstString(after, "rule.*.object_ownership");
      if (was === "BucketOwnerEnforced" && now !== "BucketOwnerEnforced")
        add("exposure", `object ownership ${JSON.stringify(was)} -> ${show(now)}: ACLs take effect again`);
    }
  },

  // CloudFront: viewer protocol, WAF, TLS, origin protocol.
  ({ resource, action, before, after }, add) => {
    if (resource.type !== "aws_cloudfront_distribution") return;
    for (const block of ["default_cache_behavior", "ordered_cache_behavior"]) {
      const beforePolicies = valuesAt(before, `${block}.*`);
      valuesAt(after, `${block}.*`).forEach((behavior, index) => {
        const now = firstString(behavior, "viewer_protocol_policy");
        const was = firstString(beforePolicies[index], "viewer_protocol_policy");
        if (now === "allow-all" && was !== "allow-all") {
          const pattern = firstString(behavior, "path_pattern");
          add(
            "exposure",
            `${block}${pattern ? ` ${JSON.stringify(pattern)}` : ""} viewer_protocol_policy becomes "allow-all" (plain HTTP to viewers)`,
          );
        }
      });
    }
    const wafBefore = firstString(before, "web_acl_id");
    const wafAfter = firstString(after, "web_acl_id");
    const wafUnknown = valuesAt(resource.change.afterUnknown, "web_acl_id")[0] === true;
    if (action !== "delete" && wafBefore && !wafAfter && !wafUnknown) add("exposure", "WAF web ACL removed (web_acl_id cleared)");
    const tlsBefore = firstString(before, "viewer_certificate.*.minimum_protocol_version");
    const tlsAfter = firstString(after, "viewer_certificate.*.minimum_protocol_version");
    if (tlsBefore && tlsAfter && tlsBefore !== tlsAfter) {
      const was = TLS_POLICIES.indexOf(tlsBefore);
      const now = TLS_POLICIES.indexOf(tlsAfter);
      if (was < 0 || now < 0)
        add("exposure", `minimum TLS version changes ${tlsBefore} -> ${tlsAfter} (unrecognized policy: check it is not weaker)`);
      else if (now < was) add("exposure", `minimum TLS version lowered ${tlsBefore} -> ${tlsAfter}`);
    }
    const defaultCertBefore = valuesAt(before, "viewer_certificate.*.cloudfront_default_certificate")[0] === true;
    const defaultCertAfter = valuesAt(after, "viewer_certificate.*.cloudfront_default_certificate")[0] === true;
    if (before !== undefined && !defaultCertBefore && defaultCertAfter)
      add("exposure", "viewer certificate becomes the CloudFront default certificate (allows TLSv1)");
    const originsBefore = valuesAt(before, "origin.*");
    valuesAt(after, "origin.*").forEach((origin) => {
      const id = firstString(origin, "origin_id");
      const previous = originsBefore.find((candidate) => firstString(candidate, "origin_id") === id);
      const now = firstString(origin, "custom_origin_config.*.origin_protocol_policy");
      const was = firstString(previous, "custom_origin_config.*.origin_protocol_policy");
      if ((now === "http-only" || now === "match-viewer") && was !== now) {
        add(
          "exposure",
          `origin${id ? ` ${JSON.stringify(id)}` : ""} origin_protocol_policy becomes ${JSON.stringify(
            now,
          )} (CloudFront may reach it over plain HTTP)`,
        );
      }
    });
  },

  // Unauthenticated entry points and a deleted WAF.
  ({ resource, action, before, after }, add) => {
    if (resource.type === "aws_api_gateway_method" && action !== "delete") {
      const open = valuesAt(after, "api_key_required")[0] !== true && firstString(after, "authorization") === "NONE";
      const wasOpen = before !== undefined && valuesAt(before, "api_key_required")[0] !== true && firstString(before, "authorization") === "NONE";
      const method = firstString(after, "http_method");
      if (open && !wasOpen && method !== "OPTIONS")
        add("exposure", `API method${method ? ` ${method}` : ""} needs neither an API key nor authorization`);
    }
    if (resource.type === "aws_lambda_function_url" && action !== "delete") {
      if (firstString(after, "authorization_type") === "NONE" && firstString(before, "authorization_type") !== "NONE") {
        add("exposure", 'Lambda function URL with authorization_type "NONE" (public)');
      }
    }
    if ((resource.type === "aws_wafv2_web_acl" || resource.type === "aws_wafv2_web_acl_association") && action === "delete") {
      add("exposure", `${resource.type} deleted: requests are no longer filtered`);
    }
  },

  // Cache policies, cache behaviors, and the CloudFront Function that builds the cache key.
  ({ resource, action, changes }, add) => {
    if (action === "create" || action === "delete") return;
    if (resource.type === "aws_cloudfront_cache_policy") {
      const changed = changedTopAttributes(changes);
      const ttls = ["min_ttl", "default_ttl", "max_ttl"].filter((ttl) => changed.has(ttl));
      if (ttls.length > 0) add("cache", `cache policy TTLs change: ${ttls.map((ttl) => describeChange(changes, ttl)).join(", ")}`);
      if (changed.has("parameters_in_cache_key_and_forwarded_to_origin"))
        add("cache", "cache key changes (headers, cookies, query strings or encodings): cached answers are keyed differently");
    }
    if (resource.type === "aws_cloudfront_distribution") {
      const touched = new Set<string>();
      for (const change of changes) {
        const [block, index, attribute] = change.path;
        if (
          (block === "default_cache_behavior" || block === "ordered_cache_behavior") &&
          typeof index === "number" &&
          typeof attribute === "string" &&
          CACHE_BEHAVIOR_ATTRIBUTES.has(attribute)
        ) {
          touched.add(`${block}[${index}].${attribute}`);
        }
      }
      if (touched.size > 0) add("cache", `cache behavior changes: ${[...touched].sort(compareText).join(", ")}`);
    }
    if (resource.type === "aws_cloudfront_function" && changedTopAttributes(changes).has("code")) {
      add("cache", "CloudFront Function code changes: if it builds the cache key, cached answers are keyed differently");
    }
  },

  // Cost.
  ({ resource, action, changes }, add) => {
    if (action === "create" || action === "delete") {
      if (resource.type === "aws_lambda_provisioned_concurrency_config" && action === "create")
        add("cost", "provisioned concurrency added (billed while idle)");
      return;
    }
    const changed = changedTopAttributes(changes);
    const watched: Record<string, readonly string[]> = {
      aws_cloudfront_distribution: ["price_class"],
      aws_lambda_function: ["memory_size", "reserved_concurrent_executions", "ephemeral_storage"],
      aws_lambda_provisioned_concurrency_config: ["provisioned_concurrent_executions"],
      aws_api_gateway_stage: ["cache_cluster_enabled", "cache_cluster_size"],
    };
    for (const attribute of watched[resource.type] ?? []) {
      if (changed.has(attribute)) add("cost", describeChange(changes, attribute));
    }
  },
];

/** `memory_size 1024 -> 2048` (one entry per changed leaf) from the attribute changes under one top-level attribute. */
function describeChange(changes: readonly AttributeChange[], attribute: string): string {
  const matching = changes.filter((change) => topAttribute(change.path) === attribute);
  return matching
    .map((change) => {
      const side = (cell: AttributeChange["before"]): string =>
        cell.kind === "value"
          ? JSON.stringify(cell.value)
          : cell.kind === "unknown"
          ? "(known after apply)"
          : cell.kind === "sensitive"
          ? "(sensitive)"
          : "(none)";
      return `${formatPath(change.path)} ${side(change.before)} -> ${side(change.after)}`;
    })
    .join(", ");
}
