import { attributeChanges, formatPath } from "../../ops/plan/attribute-diff";
import { parsePlanJson } from "../../ops/plan/plan-json";
import { combineReviews, countActions, GITHUB_COMMENT_LIMIT, renderReview } from "../../ops/plan/review";
import { assessRisks, type Risk } from "../../ops/plan/risks";
import { asUpdate, loadPlan, planDocument, planWith, resourceFrom } from "./fixtures";

const risksOf = (resources: unknown[], stack?: string): Pick<Risk, "category" | "address" | "message">[] =>
  assessRisks(planWith(resources).resourceChanges, { stack }).map(({ category, address, message }) => ({ category, address, message }));

/** The rows of the "Changes" table: address -> [action, why]. */
function changeRows(review: string): Map<string, [string, string]> {
  const section = review.slice(
    review.indexOf("### Changes"),
    review.indexOf("### Changed attributes") >= 0 ? review.indexOf("### Changed attributes") : undefined,
  );
  const rows = new Map<string, [string, string]>();
  for (const line of section.split("\n").filter((text) => text.startsWith("| `"))) {
    const [address = "", action = "", why = ""] = line.slice(2, -2).split(" | ");
    rows.set(address.replace(/^`|`$/g, ""), [action, why]);
  }
  return rows;
}

describe("counts by action", () => {
  it.each([
    ["realworld/plan-comment-1-modify.json", { replace: 2, "no-op": 1 }],
    ["realworld/plan-comment-2-delete.json", { delete: 2, "no-op": 1 }],
    ["realworld/plan-comment-3-remove.json", { forget: 1 }],
    ["realworld/tfjson-action-reason-tainted.json", { replace: 1 }],
    ["realworld/tfjson-moved-block.json", { move: 1 }],
    ["tofu/equivalence/data_read.plan.json", { read: 1, create: 3 }],
    ["tofu/show-json/basic-delete.json", { update: 1, delete: 1 }],
    ["tofu/show-json/multi-resource-update.json", { create: 1, move: 1 }],
    ["aws/tfc-issue249-lambda-update.json", { create: 2, update: 4, "no-op": 18 }],
    ["aws/tfc-apigw-module-create.json", { create: 23 }],
  ])("%s", (file, expected) => {
    const counts = countActions(loadPlan(file));
    const nonZero = Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 0));
    expect(nonZero).toEqual(expected);
  });

  it("shows the counts as a sentence and a table at the top", () => {
    const review = renderReview(loadPlan("aws/tfc-issue249-lambda-update.json"), { stack: "inference-dev" });
    expect(review.startsWith("## Plan review: inference-dev\n\n**2 to create, 4 to update, 18 unchanged**\n")).toBe(true);
    expect(review).toContain(
      "| create | update | replace | delete | read | no-op |\n| --- | --- | --- | --- | --- | --- |\n| 2 | 4 | 0 | 0 | 0 | 18 |",
    );
  });
});

describe("the changes table", () => {
  it("lists every change but no-ops, sorted by address, with Terraform's reason", () => {
    const rows = changeRows(renderReview(loadPlan("realworld/plan-comment-1-modify.json")));
    expect([...rows.keys()]).toEqual(["local_file.test", "local_file.test3"]);
    expect(rows.get("local_file.test")).toEqual(["replace", "cannot be updated in place; forced by `content`"]);
  });

  it("says why: tainted, removed from config, moved, read at apply time", () => {
    expect(changeRows(renderReview(loadPlan("realworld/tfjson-action-reason-tainted.json"))).get("null_resource.example")).toEqual([
      "replace",
      "tainted",
    ]);
    expect(changeRows(renderReview(loadPlan("realworld/plan-comment-2-delete.json"))).get("local_file.test")).toEqual([
      "delete",
      "removed from the configuration",
    ]);
    expect(changeRows(renderReview(loadPlan("realworld/tfjson-moved-block.json"))).get("random_id.test2")).toEqual([
      "move",
      "moved from `random_id.test`",
    ]);
    expect(changeRows(renderReview(loadPlan("tofu/show-json/moved.json"))).get("test_instance.baz")).toEqual([
      "update",
      "moved from `test_instance.foo`",
    ]);
    expect(changeRows(renderReview(loadPlan("tofu/equivalence/data_read.plan.json"))).get("data.tfcoremock_simple_resource.read")).toEqual([
      "read",
      "configuration known only after apply",
    ]);
    expect(changeRows(renderReview(loadPlan("realworld/plan-comment-3-remove.json"))).get("local_file.test2")?.[0]).toBe("forget");
  });

  it("keeps a table cell intact when an address holds a pipe or backticks", () => {
    const resource = resourceFrom("realworld/plan-comment-2-delete.json", "local_file.test");
    const review = renderReview(planWith([{ ...resource, address: 'local_file.test["a|b`c"]' }]));
    const row = review.split("\n").find((line) => line.includes("a\\|b"));
    expect(row).toBe('| ``local_file.test["a\\|b`c"]`` | delete | removed from the configuration |');
  });
});

describe("attributes: before -> after, masked and unknown", () => {
  it("masks values marked sensitive before or after, and shows unknowns as (known after apply)", () => {
    const review = renderReview(loadPlan("realworld/plan-comment-1-modify.json"));
    expect(review).toContain("| `content` | (sensitive) | (sensitive) |");
    expect(review).toContain('| `id` | `"a9e61004a1ffc8f676b68225a06bb082677aeb89"` | (known after apply) |');
    expect(review).not.toContain("foo-42");
    expect(review).not.toContain("foobar-42");
  });

  it("masks sensitive attributes of creates and sensitive outputs (OpenTofu plans)", () => {
    const review = renderReview(loadPlan("tofu/show-json/show-json-sensitive.json"));
    expect(review).toContain("| `password` | (sensitive) |");
    expect(review).not.toContain("secret");
    expect(review).not.toContain('"bar"');
    const outputs = renderReview(loadPlan("tofu/show-json/sensitive-values.json"));
    expect(outputs).toContain("| `test` | create | (none) | (sensitive) |");
    expect(outputs).not.toContain("boop");
  });

  it("masks nested sensitive subtrees on either side while still showing that they changed", () => {
    const resource = resourceFrom("aws/regula-cloudfront-create.json", "aws_cloudfront_distribution.https_only");
    const update = asUpdate(resource, (before) => {
      before.origin[0].custom_header = [{ name: "x-api-key", value: "old-secret-key" }];
    });
    update.change.after.origin[0].custom_header = [{ name: "x-api-key", value: "new-secret-key" }];
    update.change.before_sensitive = { origin: [{ custom_header: [{ value: true }] }] };
    update.change.after_sensitive = { origin: [{ custom_header: true }] };
    const plan = planWith([update]);
    const rows = attributeChanges(plan.resourceChanges[0]!.change).map((change) => [formatPath(change.path), change.before.kind, change.after.kind]);
    expect(rows).toEqual([["origin[0].custom_header", "value", "sensitive"]]);
    const review = renderReview(plan);
    expect(review).not.toMatch(/old-secret-key|new-secret-key/);
    expect(review).toContain('| `origin[0].custom_header` | `[{"name":"x-api-key","value":"(sensitive)"}]` | (sensitive) |');
  });

  it("walks nested blocks leaf by leaf and keeps lists of plain values whole", () => {
    const review = renderReview(loadPlan("aws/regula-cloudfront-create.json"));
    expect(review).toContain('| `default_cache_behavior[0].viewer_protocol_policy` | `"allow-all"` |');
    expect(review).toContain('| `default_cache_behavior[0].allowed_methods` | `["GET","HEAD"]` |');
    expect(review).toContain("| `origin[0].s3_origin_config[0].origin_access_identity` | (known after apply) |");
    expect(review).toContain("| `arn` | (known after apply) |");
  });

  it("shows unknown elements inside output lists and objects", () => {
    const review = renderReview(loadPlan("tofu/show-json/unknown-output.json"));
    expect(review).toContain("| `bar[1]` | create | (none) | (known after apply) |");
    expect(review).toContain("| `baz.time` | create | (none) | (known after apply) |");
  });

  it("compares policy documents held in strings statement by statement", () => {
    const role = resourceFrom("aws/tfc-issue249-lambda-update.json", "aws_iam_role.lambda_role");
    const update = asUpdate(role, (before) => {
      before.assume_role_policy = before.assume_role_policy.replace("apigateway.amazonaws.com", "edgelambda.amazonaws.com");
    });
    const changes = attributeChanges(planWith([update]).resourceChanges[0]!.change);
    expect(changes.map((change) => [formatPath(change.path), change.before, change.after])).toEqual([
      [
        "assume_role_policy » Statement[1].Principal.Service",
        { kind: "value", value: "edgelambda.amazonaws.com" },
        { kind: "value", value: "apigateway.amazonaws.com" },
      ],
    ]);
  });

  it("does not report null, [] and {} as changes of one another", () => {
    const bucket = resourceFrom("aws/infracost-lambda-s3-create.json", "aws_s3_bucket.usage");
    const update = asUpdate(bucket, (before) => {
      before.tags = {};
      before.cors_rule = null;
      before.policy = null;
    });
    expect(attributeChanges(planWith([update]).resourceChanges[0]!.change)).toEqual([]);
  });

  it("shortens huge values and says where the whole value is", () => {
    const role = resourceFrom("aws/tfc-issue249-lambda-update.json", "aws_iam_role.lambda_role");
    const update = asUpdate(role, (before) => {
      before.description = "x".repeat(5000);
    });
    const review = renderReview(planWith([update]));
    expect(review).toContain(`\`"${"x".repeat(199)}… (+4802 chars)\``);
    expect(review).toContain("Values longer than 200 characters are shortened; plan.json has them whole.");
  });
});

describe("risks come first", () => {
  it("flags allow-all viewer protocol on the one distribution that has it", () => {
    const review = renderReview(loadPlan("aws/regula-cloudfront-create.json"));
    expect(review.indexOf("### Risks (1)")).toBeLessThan(review.indexOf("### Changes"));
    expect(risksOf(planDocument("aws/regula-cloudfront-create.json").resource_changes)).toEqual([
      {
        category: "exposure",
        address: "aws_cloudfront_distribution.allow_all",
        message: 'default_cache_behavior viewer_protocol_policy becomes "allow-all" (plain HTTP to viewers)',
      },
    ]);
  });

  it("flags new IAM policies and an API method open to anyone in a real API Gateway plan", () => {
    const risks = risksOf(planDocument("aws/tfc-apigw-module-create.json").resource_changes);
    expect(risks.map((risk) => `${risk.category} ${risk.address.split(".").slice(-2).join(".")}`)).toEqual([
      "iam aws_iam_policy.default[0]",
      "iam aws_iam_role.default",
      "iam aws_iam_role_policy_attachment.inline[0]",
      "exposure aws_api_gateway_method.root_method",
    ]);
    expect(risks[3]?.message).toBe("API method ANY needs neither an API key nor authorization");
  });

  it("flags nothing in plans that only create ordinary resources or change tags", () => {
    expect(risksOf(planDocument("aws/infracost-lambda-s3-create.json").resource_changes)).toEqual([]);
    expect(risksOf(planDocument("aws/tfc-issue249-lambda-update.json").resource_changes)).toEqual([]);
  });

  it("flags replacing or deleting buckets, the state bucket, the distribution and Lambda@Edge functions", () => {
    const bucket = resourceFrom("aws/infracost-lambda-s3-create.json", "aws_s3_bucket.usage");
    const deleted = { ...bucket, change: { ...bucket.change, actions: ["delete"], before: bucket.change.after, after: null, after_unknown: {} } };
    expect(risksOf([deleted])).toEqual([
      {
        category: "stateful",
        address: "aws_s3_bucket.usage",
        message: 'S3 bucket "bucket_withUsage": deleting it destroys every object and version in it',
      },
    ]);
    expect(risksOf([deleted], "state-dev")[0]?.message).toBe(
      'the Terraform state bucket "bucket_withUsage": deleting it destroys every object and version in it',
    );

    const distribution = resourceFrom("aws/regula-cloudfront-create.json", "aws_cloudfront_distribution.https_only");
    const replaced = asUpdate(distribution, () => {});
    replaced.change.actions = ["create", "delete"];
    expect(risksOf([replaced])).toContainEqual({
      category: "stateful",
      address: "aws_cloudfront_distribution.https_only",
      message: "CloudFront distribution: replacing it takes many minutes, drops its cache and gives it a new domain name",
    });

    const lambda = resourceFrom("aws/infracost-lambda-s3-create.json", "aws_lambda_function.hello_world");
    const edge = asUpdate(lambda, (before) => {
      before.function_name = "old_name";
    });
    edge.change.actions = ["delete", "create"];
    expect(risksOf([edge])).toEqual([]);
    edge.change.after.publish = true;
    expect(risksOf([edge])[0]?.message).toMatch(
      /^Lambda function with published versions \(Lambda@Edge\): replacing it waits until CloudFront removes its replicas/,
    );
  });

  it("flags trust-policy changes but not tag changes on a role", () => {
    const role = resourceFrom("aws/tfc-issue249-lambda-update.json", "aws_iam_role.lambda_role");
    const trust = asUpdate(role, (before) => {
      before.assume_role_policy = before.assume_role_policy.replace("apigateway", "edgelambda");
    });
    expect(risksOf([trust])).toEqual([{ category: "iam", address: "aws_iam_role.lambda_role", message: "assume_role_policy changes" }]);
    const tags = asUpdate(role, (before) => {
      before.tags = { owner: "someone-else" };
    });
    expect(risksOf([tags])).toEqual([]);
  });

  it("flags WAF removal, lowered TLS, plain-HTTP origins and viewers on a distribution update", () => {
    const distribution = resourceFrom("aws/regula-cloudfront-create.json", "aws_cloudfront_distribution.https_only");
    distribution.change.after.viewer_certificate[0] = {
      ...distribution.change.after.viewer_certificate[0],
      cloudfront_default_certificate: false,
      minimum_protocol_version: "TLSv1",
    };
    distribution.change.after.origin[0].origin_id = "api";
    distribution.change.after.origin[0].custom_origin_config = [{ origin_protocol_policy: "http-only" }];
    const update = asUpdate(distribution, (before) => {
      before.web_acl_id = "arn:aws:wafv2:us-east-1:111111111111:global/webacl/edge/abc";
      before.viewer_certificate[0].minimum_protocol_version = "TLSv1.2_2021";
      before.origin[0].custom_origin_config = [{ origin_protocol_policy: "https-only" }];
    });
    expect(risksOf([update]).map((risk) => risk.message)).toEqual([
      "WAF web ACL removed (web_acl_id cleared)",
      "minimum TLS version lowered TLSv1.2_2021 -> TLSv1",
      'origin "api" origin_protocol_policy becomes "http-only" (CloudFront may reach it over plain HTTP)',
    ]);
  });

  it("flags public access blocks turned off or removed", () => {
    const block = {
      address: "aws_s3_bucket_public_access_block.model_store",
      mode: "managed",
      type: "aws_s3_bucket_public_access_block",
      name: "model_store",
      change: {
        actions: ["update"],
        before: { block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true, bucket: "models" },
        after: { block_public_acls: true, block_public_policy: false, ignore_public_acls: true, restrict_public_buckets: false, bucket: "models" },
      },
    };
    expect(risksOf([block]).map((risk) => risk.message)).toEqual([
      "block_public_policy turned off (true -> false)",
      "restrict_public_buckets turned off (true -> false)",
    ]);
    expect(risksOf([{ ...block, change: { ...block.change, actions: ["delete"], after: null } }]).map((risk) => risk.message)).toEqual([
      "S3 public access block removed",
    ]);
  });

  it("flags cache TTL and cache-key changes, and cost changes, with before -> after", () => {
    const distribution = resourceFrom("aws/regula-cloudfront-create.json", "aws_cloudfront_distribution.https_only");
    const update = asUpdate(distribution, (before) => {
      before.default_cache_behavior[0].min_ttl = 60;
      before.price_class = "PriceClass_100";
    });
    expect(risksOf([update])).toEqual([
      { category: "cache", address: distribution.address, message: "cache behavior changes: default_cache_behavior[0].min_ttl" },
      { category: "cost", address: distribution.address, message: 'price_class "PriceClass_100" -> "PriceClass_All"' },
    ]);
    const lambda = resourceFrom("aws/infracost-lambda-s3-create.json", "aws_lambda_function.hello_world");
    const memory = asUpdate(lambda, (before) => {
      before.memory_size = 128;
      before.reserved_concurrent_executions = 10;
    });
    expect(risksOf([memory]).map((risk) => risk.message)).toEqual(["memory_size 128 -> 1024", "reserved_concurrent_executions 10 -> -1"]);
    const policy = {
      address: "aws_cloudfront_cache_policy.inference",
      mode: "managed",
      type: "aws_cloudfront_cache_policy",
      name: "inference",
      change: {
        actions: ["update"],
        before: {
          default_ttl: 300,
          max_ttl: 3600,
          min_ttl: 0,
          parameters_in_cache_key_and_forwarded_to_origin: [{ query_strings_config: [{ query_string_behavior: "all" }] }],
        },
        after: {
          default_ttl: 3600,
          max_ttl: 3600,
          min_ttl: 0,
          parameters_in_cache_key_and_forwarded_to_origin: [{ query_strings_config: [{ query_string_behavior: "none" }] }],
        },
      },
    };
    expect(risksOf([policy]).map((risk) => risk.message)).toEqual([
      "cache key changes (headers, cookies, query strings or encodings): cached answers are keyed differently",
      "cache policy TTLs change: default_ttl 300 -> 3600",
    ]);
  });

  it("never quotes a sensitive value in a risk message", () => {
    const bucket = resourceFrom("aws/infracost-lambda-s3-create.json", "aws_s3_bucket.usage");
    const deleted = {
      ...bucket,
      change: { ...bucket.change, actions: ["delete"], before: bucket.change.after, before_sensitive: { bucket: true }, after: null },
    };
    expect(risksOf([deleted])[0]?.message).toBe('S3 bucket "(sensitive)": deleting it destroys every object and version in it');
  });
});

describe("output fit for a pull request", () => {
  it("is byte-identical whatever order Terraform listed resources in", () => {
    const document = planDocument("aws/tfc-apigw-module-create.json");
    const forward = renderReview(parsePlanJson(JSON.stringify(document), "a"), { stack: "s" });
    document.resource_changes.reverse();
    const reversed = renderReview(parsePlanJson(JSON.stringify(document), "b"), { stack: "s" });
    expect(reversed).toBe(forward);
  });

  it("stays within GitHub's comment limit for a huge plan and says what it left out", () => {
    const distribution = resourceFrom("aws/regula-cloudfront-create.json", "aws_cloudfront_distribution.allow_all");
    const many = Array.from({ length: 3000 }, (_, index) => ({
      ...distribution,
      address: `aws_cloudfront_distribution.d${String(index).padStart(4, "0")}`,
      name: `d${index}`,
    }));
    const review = renderReview(planWith(many), { stack: "inference-prod" });
    expect(review.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(review).toContain("**3000 to create**");
    expect(review).toContain("### Risks (3000)");
    expect(review).toMatch(/more (resource changes|risks)/);
    const combined = combineReviews([
      { stack: "inference-dev", plan: planWith(many) },
      { stack: "inference-prod", plan: planWith(many) },
    ]);
    expect(combined.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(combined).toContain("## Plan review: inference-dev");
    expect(combined).toContain("## Plan review: inference-prod");
  });

  it("drops attribute details before table rows, keeps those of risky resources longest, and says so", () => {
    const distribution = resourceFrom("aws/regula-cloudfront-create.json", "aws_cloudfront_distribution.https_only");
    const risky = resourceFrom("aws/regula-cloudfront-create.json", "aws_cloudfront_distribution.allow_all");
    const some = Array.from({ length: 40 }, (_, index) => ({
      ...distribution,
      address: `aws_cloudfront_distribution.d${String(index).padStart(2, "0")}`,
    }));
    const review = renderReview(planWith([...some, { ...risky, address: "aws_cloudfront_distribution.zz_allow_all" }]), { maxChars: 20000 });
    expect(review.length).toBeLessThanOrEqual(20000);
    expect(changeRows(review).size).toBe(41);
    expect(review).toMatch(/_Attribute details of \d+ resources left out to fit a pull-request comment; plan\.json has them\._/);
    expect(review).toMatch(/<details><summary><code>aws_cloudfront_distribution\.zz_allow_all<\/code> \(create, \d+ attributes\)<\/summary>/);
    expect(review).not.toContain("<code>aws_cloudfront_distribution.d39</code>");
  });

  it("warns when the plan errored", () => {
    expect(renderReview(loadPlan("tofu/show-json/plan-error.json"))).toContain("**This plan errored and cannot be applied.**");
  });
});
