import { readdirSync } from "node:fs";
import { parsePlanJson } from "../../ops/plan/plan-json";
import { loadPlan, PLANS, planDocument, planText } from "./fixtures";
import { problemsOf } from "../problems";

/** Every `show -json` plan among the fixtures: not the JSON-lines streams, apply logs, state or TFC formats. */
const SHOW_JSON_PLANS = readdirSync(PLANS, { recursive: true, encoding: "utf8" })
  .filter(
    (file) => file.endsWith(".json") && !file.startsWith("tofu/stream/") && !file.endsWith(".apply.json") && !file.endsWith("state-modules.json"),
  )
  .sort();

describe("parsePlanJson on real plans", () => {
  it("finds the Terraform and OpenTofu plan fixtures", () => {
    expect(SHOW_JSON_PLANS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(SHOW_JSON_PLANS)("reads %s with every resource change, drift entry and output", (file) => {
    const raw = planDocument(file);
    const plan = loadPlan(file);
    expect(plan.formatVersion).toBe(raw.format_version);
    expect(plan.resourceChanges.map((change) => change.address)).toEqual(
      (raw.resource_changes ?? []).map((change: { address: string }) => change.address),
    );
    expect(plan.resourceDrift).toHaveLength((raw.resource_drift ?? []).length);
    expect(plan.outputChanges.map((output) => output.name)).toEqual(Object.keys(raw.output_changes ?? {}).sort());
  });

  it("keeps action_reason, previous_address, replace_paths and the error flag", () => {
    expect(loadPlan("realworld/tfjson-action-reason-tainted.json").resourceChanges[0]?.actionReason).toBe("replace_because_tainted");
    expect(loadPlan("realworld/tfjson-moved-block.json").resourceChanges[0]?.previousAddress).toBe("random_id.test");
    expect(loadPlan("realworld/plan-comment-1-modify.json").resourceChanges[0]?.change.replacePaths).toEqual([["content"]]);
    expect(loadPlan("tofu/show-json/plan-error.json").errored).toBe(true);
  });

  it("derives the type from the address when a plan omits it", () => {
    const plan = parsePlanJson(
      JSON.stringify({
        format_version: "1.2",
        resource_changes: [{ address: 'module.edge.aws_lambda_function.fn["a"]', change: { actions: ["create"] } }],
      }),
      "plan.json",
    );
    expect(plan.resourceChanges[0]?.type).toBe("aws_lambda_function");
  });
});

describe("parsePlanJson refuses what is not a plan it understands", () => {
  const text = planText("realworld/plan-comment-1-modify.json");

  it("names a truncated plan", () => {
    const problems = problemsOf(() => parsePlanJson(text.slice(0, Math.floor(text.length / 2)), "plan.json"));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^plan\.json: truncated JSON \(.+\); re-run `terraform show -json <planfile>`$/);
  });

  it("names corrupt JSON", () => {
    expect(problemsOf(() => parsePlanJson(text.replace('"resource_changes":', '"resource_changes" ='), "plan.json"))[0]).toMatch(
      /^plan\.json: corrupt JSON/,
    );
    expect(problemsOf(() => parsePlanJson("", "plan.json"))[0]).toMatch(/^plan\.json: empty/);
    expect(problemsOf(() => parsePlanJson("\u0000\u0001", "plan.json"))[0]).toMatch(/corrupt JSON/);
  });

  it.each(["2.0", "0.3", "1", "v1.2", "latest"])("refuses format_version %s and says what it reads", (version) => {
    const problems = problemsOf(() =>
      parsePlanJson(text.replace('"format_version": "1.2"', `"format_version": ${JSON.stringify(version)}`), "plan.json"),
    );
    expect(problems).toEqual([
      `plan.json: unsupported plan format_version "${version}"; this reader understands 1.x (and legacy 0.1, 0.2): use Terraform or OpenTofu 1.x`,
    ]);
  });

  it("accepts every 1.x format version, including ones newer than today's", () => {
    for (const version of ["1.0", "1.1", "1.2", "1.9", "1.10"]) {
      expect(parsePlanJson(text.replace('"format_version": "1.2"', `"format_version": "${version}"`), "plan.json").formatVersion).toBe(version);
    }
  });

  it("refuses state JSON, the TFC redacted plan, and an apply log", () => {
    expect(problemsOf(() => loadPlan("tofu/show-json/state-modules.json"))[0]).toMatch(/not a plan: this is state JSON/);
    expect(problemsOf(() => loadPlan("tofu/stream/tfc-plan-json-full.redacted-plan.json"))[0]).toMatch(/redacted plan/);
    expect(problemsOf(() => loadPlan("tofu/equivalence/drift_refresh_only.apply.json"))[0]).toMatch(/expected a JSON object, got an array/);
    expect(problemsOf(() => parsePlanJson('{"resource_changes": []}', "plan.json"))[0]).toMatch(/no format_version/);
  });

  it("lists every malformed resource change, one line each", () => {
    const document = planDocument("realworld/plan-comment-1-modify.json");
    document.resource_changes[0].change.actions = "update";
    delete document.resource_changes[2].address;
    const problems = problemsOf(() => parsePlanJson(JSON.stringify(document), "plan.json"));
    expect(problems).toEqual([
      "plan.json: resource_changes[0] (local_file.test).change.actions must be a non-empty array of strings",
      "plan.json: resource_changes[2].address must be a non-empty string",
    ]);
  });
});
