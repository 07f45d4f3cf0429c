import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Wafv2WebAcl, type Wafv2WebAclRule } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Annotations, Token, type TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { CLOUDFRONT_CONTROL_REGION } from "../config/regions";
import { ProblemsError } from "../problems";

/** The AWS managed rule groups every edge web ACL runs, in evaluation order after the rate limit. */
export const MANAGED_RULE_GROUPS = [
  "AWSManagedRulesAnonymousIpList",
  "AWSManagedRulesKnownBadInputsRuleSet",
  "AWSManagedRulesCommonRuleSet",
] as const;
export type ManagedRuleGroupName = (typeof MANAGED_RULE_GROUPS)[number];

/** Rules inside a managed group whose action is overridden to count: they are logged in the metrics, never block. */
export type CountOnlyRules = Readonly<Partial<Record<ManagedRuleGroupName, readonly string[]>>>;

/**
 * SizeRestrictions_BODY in the Common rule set blocks every request body over 8 KB. A POST infer for
 * mnist is about 10 KB of JSON and binary tensor requests are larger, so in block mode it would reject
 * ordinary inference. It counts instead; the API and the edge function enforce their own body limits.
 */
export const DEFAULT_COUNT_ONLY_RULES: CountOnlyRules = {
  AWSManagedRulesCommonRuleSet: ["SizeRestrictions_BODY"],
};

/** WAF's bounds for a rate-based rule's limit. */
export const RATE_LIMIT_RANGE = { min: 10, max: 2_000_000_000 } as const;
/** The rate-based rule counts requests over this window; the config states its limit per 5 minutes. */
export const RATE_LIMIT_WINDOW_SECONDS = 300;
export const RATE_LIMITED_BODY_KEY = "rate-limited";

export interface EdgeWebAclProps {
  /** The web ACL's name; also the prefix of its CloudWatch metric names. */
  readonly name: string;
  /** Requests one IP may send in 5 minutes before it is blocked (HTTP 429) until its rate falls again. */
  readonly rateLimitPer5Minutes: number;
  /**
   * Managed rules that count instead of block. Replaces DEFAULT_COUNT_ONLY_RULES; counting more rules
   * than the default, or blocking SizeRestrictions_BODY, emits a synth warning. For example
   * `AWSManagedRulesAnonymousIpList: ["HostingProviderIPList"]` lets clients on cloud hosts through.
   */
  readonly countOnlyRules?: CountOnlyRules;
  readonly description?: string;
  /** The us-east-1 provider: WAF keeps web ACLs for CloudFront (scope CLOUDFRONT) only there. */
  readonly provider: TerraformProvider;
}

const WEB_ACL_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const RULE_NAME = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The WAFv2 web ACL in front of the distribution: allow by default; a per-IP rate limit that answers
 * 429 in the Open Inference Protocol's error shape; then AWS's anonymous-IP, known-bad-inputs and
 * common rule sets. Every rule and the ACL publish CloudWatch metrics and sampled requests.
 *
 * AWSManagedRulesAnonymousIpList also blocks cloud hosting providers (HostingProviderIPList); a
 * deployment whose clients are servers on EC2, Lambda or other clouds lets that rule count through
 * `countOnlyRules`.
 */
export class EdgeWebAcl extends Construct {
  public readonly webAcl: Wafv2WebAcl;
  /** For the distribution's `web_acl_id`, which takes a WAFv2 ARN. */
  public readonly arn: string;
  public readonly countOnlyRules: CountOnlyRules;

  constructor(scope: Construct, id: string, props: EdgeWebAclProps) {
    super(scope, id);
    const countOnlyRules = props.countOnlyRules ?? DEFAULT_COUNT_ONLY_RULES;
    const problems = [...providerProblems(props.provider), ...propProblems(props, countOnlyRules)];
    if (problems.length > 0) {
      throw new ProblemsError(problems.map((problem) => `EdgeWebAcl ${this.node.path}: ${problem}`));
    }
    this.countOnlyRules = countOnlyRules;
    for (const warning of countOnlyWarnings(countOnlyRules)) Annotations.of(this).addWarning(warning);

    const name = props.name;
    const visibility = (metricName: string) => ({
      cloudwatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    const rateLimitRule: Wafv2WebAclRule = {
      name: "rate-limit-per-ip",
      priority: 0,
      action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: RATE_LIMITED_BODY_KEY } } },
      statement: {
        rate_based_statement: {
          limit: props.rateLimitPer5Minutes,
          aggregate_key_type: "IP",
          evaluation_window_sec: RATE_LIMIT_WINDOW_SECONDS,
        },
      },
      visibilityConfig: visibility(`${name}-rate-limit-per-ip`),
    };
    const managedRules: Wafv2WebAclRule[] = MANAGED_RULE_GROUPS.map((group, index) => {
      const counted = countOnlyRules[group] ?? [];
      return {
        name: group,
        priority: index + 1,
        // "none" keeps each rule's own action (block), except the overrides below.
        overrideAction: { none: {} },
        statement: {
          managed_rule_group_statement: {
            name: group,
            vendor_name: "AWS",
            ...(counted.length > 0
              ? { rule_action_override: counted.map((rule) => ({ name: rule, action_to_use: { count: {} } })) }
              : {}),
          },
        },
        visibilityConfig: visibility(`${name}-${group}`),
      };
    });

    this.webAcl = new Wafv2WebAcl(this, "web_acl", {
      provider: props.provider,
      name,
      description: props.description ?? "Rate limit and AWS managed rules in front of the inference distribution",
      scope: "CLOUDFRONT",
      defaultAction: { allow: {} },
      customResponseBody: [
        {
          key: RATE_LIMITED_BODY_KEY,
          contentType: "APPLICATION_JSON",
          content: JSON.stringify({ error: "too many requests from this address; retry later" }),
        },
      ],
      rule: [rateLimitRule, ...managedRules],
      visibilityConfig: visibility(name),
    });
    this.arn = this.webAcl.arn;
  }
}

function providerProblems(provider: TerraformProvider): string[] {
  const region = provider instanceof AwsProvider ? provider.region : undefined;
  if (region === undefined) {
    return [`provider: sets no region; WAF for CloudFront must be in ${CLOUDFRONT_CONTROL_REGION}, so pass the ${CLOUDFRONT_CONTROL_REGION} provider (AwsProviders.usEast1)`];
  }
  if (!Token.isUnresolved(region) && region !== CLOUDFRONT_CONTROL_REGION) {
    return [`provider: is in ${region}; WAF for CloudFront must be in ${CLOUDFRONT_CONTROL_REGION}, so pass the ${CLOUDFRONT_CONTROL_REGION} provider (AwsProviders.usEast1)`];
  }
  return [];
}

function propProblems(props: EdgeWebAclProps, countOnlyRules: CountOnlyRules): string[] {
  const problems: string[] = [];
  if (!Token.isUnresolved(props.name) && !WEB_ACL_NAME.test(props.name)) {
    problems.push(`name: "${props.name}" must be 1-128 characters of A-Z, a-z, 0-9, '-' and '_'`);
  }
  const limit = props.rateLimitPer5Minutes;
  if (!Token.isUnresolved(limit) && !(Number.isInteger(limit) && limit >= RATE_LIMIT_RANGE.min && limit <= RATE_LIMIT_RANGE.max)) {
    problems.push(`rateLimitPer5Minutes: ${limit} must be a whole number from ${RATE_LIMIT_RANGE.min} to ${RATE_LIMIT_RANGE.max} (WAF's rate-based rule bounds)`);
  }
  for (const [group, rules] of Object.entries(countOnlyRules)) {
    if (!(MANAGED_RULE_GROUPS as readonly string[]).includes(group)) {
      problems.push(`countOnlyRules.${group}: not a rule group of this web ACL; use one of ${MANAGED_RULE_GROUPS.join(", ")}`);
    }
    for (const rule of rules ?? []) {
      if (!RULE_NAME.test(rule)) problems.push(`countOnlyRules.${group}: "${rule}" is not a rule name such as SizeRestrictions_BODY`);
    }
    const repeated = (rules ?? []).filter((rule, index, all) => all.indexOf(rule) !== index);
    if (repeated.length > 0) problems.push(`countOnlyRules.${group}: lists ${[...new Set(repeated)].join(", ")} more than once`);
  }
  return problems;
}

function countOnlyWarnings(countOnlyRules: CountOnlyRules): string[] {
  const warnings: string[] = [];
  for (const group of MANAGED_RULE_GROUPS) {
    const defaults = DEFAULT_COUNT_ONLY_RULES[group] ?? [];
    const extra = (countOnlyRules[group] ?? []).filter((rule) => !defaults.includes(rule));
    if (extra.length > 0) {
      warnings.push(`countOnlyRules: ${group} rules ${extra.join(", ")} only count and never block; requests they match reach the origin`);
    }
  }
  if (!(countOnlyRules.AWSManagedRulesCommonRuleSet ?? []).includes("SizeRestrictions_BODY")) {
    warnings.push(
      "countOnlyRules: SizeRestrictions_BODY blocks every request body over 8 KB, which includes ordinary POST infer requests (mnist JSON is about 10 KB); keep it in AWSManagedRulesCommonRuleSet's count-only list unless every model's requests are smaller",
    );
  }
  return warnings;
}
