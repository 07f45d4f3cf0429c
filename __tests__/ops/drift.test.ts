import { driftExitCode, driftReport, readDrift, renderDriftMarkdown, stackError, summaryLine } from "../../ops/plan/drift";
import { parsePlanJson } from "../../ops/plan/plan-json";
import { loadPlan, planDocument } from "./fixtures";

describe("readDrift on real refresh-only and normal plans", () => {
  it("reports what changed outside Terraform, attribute by attribute (OpenTofu refresh-only plan)", () => {
    const stack = readDrift("inference-dev", loadPlan("tofu/equivalence/drift_refresh_only.plan.json"), 2);
    expect(stack).toEqual({
      stack: "inference-dev",
      status: "drift",
      terraform_exit_code: 2,
      drift: [
        {
          address: "tfcoremock_simple_resource.drift",
          type: "tfcoremock_simple_resource",
          actions: ["update"],
          attributes: [{ path: "string", before: "Hello, world!", after: "Hello, drift!" }],
        },
      ],
      pending: [],
      moved: [],
    });
  });

  it("does not call a move drift", () => {
    const stack = readDrift("inference-dev", loadPlan("tofu/equivalence/moved_with_refresh_only.plan.json"), 0);
    expect(stack.status).toBe("no-drift");
    expect(stack.drift).toEqual([]);
    expect(stack.moved).toEqual([{ address: "tfcoremock_simple_resource.second", previous_address: "tfcoremock_simple_resource.first" }]);
  });

  it("keeps drift apart from pending configuration changes in a normal plan", () => {
    const stack = readDrift("inference-dev", loadPlan("tofu/equivalence/drift_simple.plan.json"));
    expect(stack.drift.map((entry) => entry.address)).toEqual(["tfcoremock_simple_resource.drift"]);
    expect(stack.pending.map((entry) => entry.address)).toEqual(["tfcoremock_simple_resource.drift"]);
    expect(stack.drift[0]?.attributes).not.toEqual(stack.pending[0]?.attributes);

    const moved = readDrift("inference-dev", loadPlan("tofu/show-json/moved-drift.json"));
    expect(moved.drift).toEqual([
      expect.objectContaining({ address: "test_instance.should_refresh_with_move", previous_address: "test_instance.should_refresh" }),
    ]);
    expect(moved.pending.map((entry) => entry.address)).toEqual(["test_instance.no_refresh", "test_instance.should_refresh_with_move"]);
  });

  it("finds no drift in plans without resource_drift", () => {
    for (const file of [
      "realworld/plan-comment-1-modify.json",
      "tofu/equivalence/variables_and_outputs.plan.json",
      "aws/tfc-issue249-lambda-update.json",
    ]) {
      expect(readDrift("s", loadPlan(file)).drift).toEqual([]);
    }
  });

  it("does not cry wolf: an update whose values only differ as null / [] / {} is not drift", () => {
    const document = planDocument("tofu/equivalence/drift_refresh_only.plan.json");
    const entry = document.resource_drift[0];
    entry.change.after = { ...entry.change.before, bool: [], number: {} };
    const stack = readDrift("inference-dev", parsePlanJson(JSON.stringify(document), "derived"), 2);
    expect(stack.status).toBe("no-drift");
    expect(stack.drift).toEqual([]);
  });

  it("masks sensitive drifted values in the report", () => {
    const document = planDocument("tofu/equivalence/drift_refresh_only.plan.json");
    document.resource_drift[0].change.before_sensitive = { string: true };
    document.resource_drift[0].change.after_sensitive = { string: true };
    const report = driftReport([readDrift("inference-dev", parsePlanJson(JSON.stringify(document), "derived"))]);
    const text = JSON.stringify(report) + renderDriftMarkdown(report);
    expect(report.stacks[0]?.drift[0]?.attributes).toEqual([{ path: "string", before: "(sensitive)", after: "(sensitive)" }]);
    expect(text).not.toMatch(/Hello, (world|drift)/);
  });

  it("lists a resource deleted outside Terraform without its attributes", () => {
    const document = planDocument("tofu/equivalence/drift_refresh_only.plan.json");
    const entry = document.resource_drift[0];
    entry.change.actions = ["delete"];
    entry.change.after = null;
    const stack = readDrift("inference-dev", parsePlanJson(JSON.stringify(document), "derived"));
    expect(stack.drift).toEqual([{ address: entry.address, type: entry.type, actions: ["delete"], attributes: [] }]);
    expect(renderDriftMarkdown(driftReport([stack]))).toContain("- `tfcoremock_simple_resource.drift` (delete): deleted");
  });
});

describe("the drift report", () => {
  const drifted = readDrift("inference-dev", loadPlan("tofu/equivalence/drift_refresh_only.plan.json"), 2);
  const clean = readDrift("state-dev", loadPlan("tofu/equivalence/moved_with_refresh_only.plan.json"), 0);
  const broken = stackError("inference-prod", "terraform plan -refresh-only failed (exit 1): Error: No valid credential sources found", 1);

  it("has a stable schema: version, overall status, stacks sorted by name", () => {
    const report = driftReport([drifted, clean]);
    expect(Object.keys(report)).toEqual(["version", "status", "stacks"]);
    expect(report.version).toBe(1);
    expect(report.status).toBe("drift");
    expect(report.stacks.map((stack) => stack.stack)).toEqual(["inference-dev", "state-dev"]);
    expect(Object.keys(report.stacks[0] ?? {})).toEqual(["stack", "status", "terraform_exit_code", "drift", "pending", "moved"]);
    expect(Object.keys(report.stacks[0]?.drift[0] ?? {})).toEqual(["address", "type", "actions", "attributes"]);
  });

  it("maps to exit codes 0 none, 2 drift, 1 error, and an error wins over drift", () => {
    expect(driftExitCode(driftReport([clean]))).toBe(0);
    expect(driftExitCode(driftReport([clean, drifted]))).toBe(2);
    expect(driftExitCode(driftReport([drifted, broken, clean]))).toBe(1);
    expect(driftReport([drifted, broken]).status).toBe("error");
  });

  it("prints one summary line per stack", () => {
    expect(summaryLine(drifted)).toBe("inference-dev: drift: 1 resource changed outside Terraform (tfcoremock_simple_resource.drift)");
    expect(summaryLine(clean)).toBe("state-dev: no drift");
    expect(summaryLine(broken)).toBe("inference-prod: error: terraform plan -refresh-only failed (exit 1): Error: No valid credential sources found");
    const withPending = readDrift("inference-dev", loadPlan("tofu/equivalence/drift_simple.plan.json"));
    expect(summaryLine(withPending)).toBe(
      "inference-dev: drift: 1 resource changed outside Terraform (tfcoremock_simple_resource.drift); 1 pending change not yet applied",
    );
  });

  it("renders Markdown with a summary table, drift and pending changes apart", () => {
    const markdown = renderDriftMarkdown(
      driftReport([readDrift("inference-dev", loadPlan("tofu/equivalence/drift_simple.plan.json")), clean, broken]),
    );
    expect(
      markdown.startsWith(
        "## Drift check failed\n\n| stack | status | drifted | pending |\n| --- | --- | --- | --- |\n| `inference-dev` | drift | 1 | 1 |\n",
      ),
    ).toBe(true);
    expect(markdown).toContain("**Changed outside Terraform**");
    expect(markdown).toContain("**Pending configuration changes** (not drift)");
    expect(markdown).toContain('| `string` | `"Hello, world!"` | `"Hello, drift!"` |');
    expect(markdown).toContain("Moved (not drift): `tfcoremock_simple_resource.first` -> `tfcoremock_simple_resource.second`");
    expect(renderDriftMarkdown(driftReport([clean])).startsWith("## No drift\n")).toBe(true);
  });
});
