import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { TerraformOutput, TerraformStack, Testing } from "cdktf";
import { synthWarnings } from "./assertions";
import { EdgeWebAcl, type EdgeWebAclProps } from "../../src/constructs/web-acl";
import "cdktf/lib/testing/adapters/jest";
import { problemsOf } from "../problems";

type Json = Record<string, any>;

/** `region` null builds a provider without a region. */
function build(overrides: Partial<EdgeWebAclProps> = {}, region: string | null = "us-east-1") {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const provider = new AwsProvider(stack, "us_east_1", { region: region ?? undefined, alias: "us_east_1" });
  const acl = new EdgeWebAcl(stack, "waf", { name: "edge-inference-dev", rateLimitPer5Minutes: 2000, provider, ...overrides });
  new TerraformOutput(stack, "web_acl_arn", { value: acl.arn });
  const synthesized = Testing.synth(stack, true);
  const json = JSON.parse(synthesized) as Json;
  const [[logicalId, webAcl]] = Object.entries(json.resource.aws_wafv2_web_acl as Record<string, Json>);
  return { stack, acl, synthesized, json, logicalId, webAcl };
}

function rule(webAcl: Json, name: string): Json {
  const found = (webAcl.rule as Json[]).find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no rule ${name}`);
  return found;
}

describe("EdgeWebAcl", () => {
  const { stack, synthesized, json, logicalId, webAcl } = build();

  it("is a CLOUDFRONT-scope web ACL on the us-east-1 provider that allows by default", () => {
    expect(synthesized).toHaveResourceWithProperties(Wafv2WebAcl, {
      name: "edge-inference-dev",
      scope: "CLOUDFRONT",
      default_action: { allow: {} },
      provider: "aws.us_east_1",
    });
  });

  it("rate-limits first, then runs the anonymous-IP, known-bad-inputs and common AWS rule groups", () => {
    expect((webAcl.rule as Json[]).map((entry) => [entry.priority, entry.name])).toEqual([
      [0, "rate-limit-per-ip"],
      [1, "AWSManagedRulesAnonymousIpList"],
      [2, "AWSManagedRulesKnownBadInputsRuleSet"],
      [3, "AWSManagedRulesCommonRuleSet"],
    ]);
    for (const group of ["AWSManagedRulesAnonymousIpList", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesCommonRuleSet"]) {
      const entry = rule(webAcl, group);
      expect(entry.override_action).toEqual({ none: {} });
      expect(entry.statement.managed_rule_group_statement).toMatchObject({ name: group, vendor_name: "AWS" });
      expect(entry).not.toHaveProperty("action");
    }
  });

  it("lets SizeRestrictions_BODY only count, so POST infer bodies over 8 KB are not blocked, and overrides nothing else", () => {
    expect(rule(webAcl, "AWSManagedRulesCommonRuleSet").statement.managed_rule_group_statement.rule_action_override).toEqual([
      { name: "SizeRestrictions_BODY", action_to_use: { count: {} } },
    ]);
    for (const group of ["AWSManagedRulesAnonymousIpList", "AWSManagedRulesKnownBadInputsRuleSet"]) {
      expect(rule(webAcl, group).statement.managed_rule_group_statement).not.toHaveProperty("rule_action_override");
    }
  });

  it("blocks an IP over the configured requests per 5 minutes with a 429 in the OIP error shape", () => {
    const rateLimit = rule(webAcl, "rate-limit-per-ip");
    expect(rateLimit.statement).toEqual({ rate_based_statement: { limit: 2000, aggregate_key_type: "IP", evaluation_window_sec: 300 } });
    expect(rateLimit.action).toEqual({ block: { custom_response: { response_code: 429, custom_response_body_key: "rate-limited" } } });
    const [body] = webAcl.custom_response_body as Json[];
    expect(body).toMatchObject({ key: "rate-limited", content_type: "APPLICATION_JSON" });
    expect(JSON.parse(body.content)).toEqual({ error: expect.stringContaining("too many requests") });
  });

  it("publishes CloudWatch metrics and sampled requests for every rule and for the ACL", () => {
    const configs = [webAcl.visibility_config, ...(webAcl.rule as Json[]).map((entry) => entry.visibility_config)];
    expect(configs).toHaveLength(5);
    for (const config of configs) expect(config).toMatchObject({ cloudwatch_metrics_enabled: true, sampled_requests_enabled: true });
    expect(new Set(configs.map((config) => config.metric_name)).size).toBe(5);
    expect(webAcl.visibility_config.metric_name).toBe("edge-inference-dev");
  });

  it("exposes the ARN the distribution's web_acl_id takes", () => {
    expect(json.output.web_acl_arn.value).toBe(`\${aws_wafv2_web_acl.${logicalId}.arn}`);
  });

  it("emits no warnings with the default overrides", () => {
    expect(synthWarnings(stack)).toEqual([]);
  });
});

describe("EdgeWebAcl count-only overrides", () => {
  it("can let clients on cloud hosts through, with a warning naming the rule", () => {
    const { webAcl, stack } = build({
      countOnlyRules: { AWSManagedRulesCommonRuleSet: ["SizeRestrictions_BODY"], AWSManagedRulesAnonymousIpList: ["HostingProviderIPList"] },
    });
    expect(rule(webAcl, "AWSManagedRulesAnonymousIpList").statement.managed_rule_group_statement.rule_action_override).toEqual([
      { name: "HostingProviderIPList", action_to_use: { count: {} } },
    ]);
    expect(synthWarnings(stack)).toEqual([
      expect.stringContaining("AWSManagedRulesAnonymousIpList rules HostingProviderIPList only count and never block"),
    ]);
  });

  it("warns when SizeRestrictions_BODY would block again", () => {
    const { webAcl, stack } = build({ countOnlyRules: {} });
    expect(rule(webAcl, "AWSManagedRulesCommonRuleSet").statement.managed_rule_group_statement).not.toHaveProperty("rule_action_override");
    expect(synthWarnings(stack)).toEqual([expect.stringContaining("SizeRestrictions_BODY blocks every request body over 8 KB")]);
  });
});

describe("EdgeWebAcl misuse", () => {
  it("refuses a provider outside us-east-1, in one line naming the construct, the rule and the fix", () => {
    expect(problemsOf(() => build({}, "eu-west-1"))).toEqual([
      "EdgeWebAcl test/waf: provider: is in eu-west-1; WAF for CloudFront must be in us-east-1, so pass the us-east-1 provider (AwsProviders.usEast1)",
    ]);
  });

  it("refuses a provider that sets no region", () => {
    expect(problemsOf(() => build({}, null))).toEqual([
      expect.stringMatching(/^EdgeWebAcl test\/waf: provider: sets no region; WAF for CloudFront must be in us-east-1/),
    ]);
  });

  it("reports every bad prop at once", () => {
    const problems = problemsOf(() =>
      build({
        name: "edge inference",
        rateLimitPer5Minutes: 5,
        countOnlyRules: { AWSManagedRulesSQLiRuleSet: ["SQLi_BODY"], AWSManagedRulesCommonRuleSet: ["SizeRestrictions_BODY", "SizeRestrictions_BODY"] } as never,
      }),
    );
    expect(problems).toEqual([
      'EdgeWebAcl test/waf: name: "edge inference" must be 1-128 characters of A-Z, a-z, 0-9, \'-\' and \'_\'',
      "EdgeWebAcl test/waf: rateLimitPer5Minutes: 5 must be a whole number from 10 to 2000000000 (WAF's rate-based rule bounds)",
      expect.stringContaining("countOnlyRules.AWSManagedRulesSQLiRuleSet: not a rule group of this web ACL"),
      "EdgeWebAcl test/waf: countOnlyRules.AWSManagedRulesCommonRuleSet: lists SizeRestrictions_BODY more than once",
    ]);
  });
});
