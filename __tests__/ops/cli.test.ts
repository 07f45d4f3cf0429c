/**
 * The plan / apply / drift orchestration, end to end through the CLI, against a STAND-IN for
 * terraform (__tests__/ops/terraform-stand-in.js): the real binary cannot be had here (no
 * Terraform, no network, no AWS). The stand-in answers `version -json`, `init`, `plan -out`,
 * `show -json` (replaying real plans from shared/fixtures/plans) and `apply <planfile>`, with
 * the exit codes and stderr each test asks for, and logs every call so the order can be checked.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planPath, planText } from "./fixtures";

const ROOT = join(__dirname, "..", "..");
const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const STAND_IN = join(__dirname, "terraform-stand-in.js");

interface StackSetup {
  plan?: string;
  showOutput?: string;
  initExit?: number;
  planExit?: number;
  showExit?: number;
  applyExit?: number;
  stderr?: string;
}

interface Workspace {
  readonly dir: string;
  readonly outdir: string;
  readonly bin: string;
  stackDir(stack: string): string;
  scenario(setup: { version?: string; stacks: Record<string, StackSetup> }): void;
  calls(): { stack: string; args: string[] }[];
  run(args: string[], env?: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string };
}

const workspaces: string[] = [];
afterAll(() => {
  for (const dir of workspaces) rmSync(dir, { recursive: true, force: true });
});

/** A synthesized-looking cdktf.out with the given stacks, and a bin/ whose `terraform` is the stand-in. */
function workspace(stacks: readonly string[] = ["inference-dev", "state-dev"]): Workspace {
  const dir = mkdtempSync(join(tmpdir(), "edge-inference-ops-"));
  workspaces.push(dir);
  const outdir = join(dir, "cdktf.out");
  for (const stack of stacks) {
    const stackDir = join(outdir, "stacks", stack);
    mkdirSync(join(stackDir, "assets", "regional_handler_zip", "abc"), { recursive: true });
    writeFileSync(join(stackDir, "cdk.tf.json"), JSON.stringify({ terraform: { backend: { s3: { use_lockfile: true } } }, resource: {} }, null, 2));
    writeFileSync(join(stackDir, "assets", "regional_handler_zip", "abc", "regional.zip"), `zip bytes of ${stack}`);
  }
  const bin = join(dir, "bin");
  mkdirSync(bin);
  // A wrapper rather than the script itself: it works whether or not git kept the executable bit.
  for (const name of ["terraform", "tf-stand-in"]) {
    writeFileSync(join(bin, name), `#!/bin/sh\nexec "${process.execPath}" "${STAND_IN}" "$@"\n`);
    chmodSync(join(bin, name), 0o755);
  }
  const scenarioFile = join(dir, "scenario.json");
  const log = join(dir, "calls.jsonl");
  return {
    dir,
    outdir,
    bin,
    stackDir: (stack) => join(outdir, "stacks", stack),
    scenario: (setup) => writeFileSync(scenarioFile, JSON.stringify({ log, ...setup })),
    calls: () =>
      existsSync(log)
        ? readFileSync(log, "utf8")
            .trim()
            .split("\n")
            .map((line) => JSON.parse(line))
        : [],
    run: (args, env = {}) => {
      const result = spawnSync(process.execPath, [TSX, join(ROOT, "ops", "plan", "cli.ts"), ...args], {
        cwd: ROOT,
        env: { HOME: process.env.HOME, PATH: `${bin}:/usr/bin:/bin`, CDKTF_OUTDIR: outdir, STAND_IN_SCENARIO: scenarioFile, ...env },
        encoding: "utf8",
        timeout: 120_000,
      });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    },
  };
}

const sha256 = (file: string): string => createHash("sha256").update(readFileSync(file)).digest("hex");
const noStackTrace = (stderr: string): void => expect(stderr).not.toMatch(/^\s+at /m);
/** Our own lines on stderr: the report at the end, after terraform's (the stand-in's) output passed through. */
function ownLines(stderr: string): string[] {
  const lines = stderr.split("\n").filter((line) => line !== "");
  return lines.slice(
    Math.max(
      0,
      lines.findIndex((line) => /^(plan|apply|drift|review) failed/.test(line)),
    ),
  );
}

describe("plan (against the terraform stand-in)", () => {
  it("runs init, plan -out and show -json in order and writes plan.json, the review and the record", () => {
    const ws = workspace();
    ws.scenario({ stacks: { "inference-dev": { plan: planPath("realworld/plan-comment-1-modify.json") } } });
    const result = ws.run(["plan", "inference-dev", "--no-synth"]);
    expect(result.status).toBe(0);
    expect(ws.calls().map((call) => call.args.join(" "))).toEqual([
      "version -json",
      "init -input=false -no-color",
      "plan -input=false -no-color -out=inference-dev.tfplan.partial",
      "show -json inference-dev.tfplan",
    ]);
    expect(
      new Set(
        ws
          .calls()
          .slice(1)
          .map((call) => call.stack),
      ),
    ).toEqual(new Set(["inference-dev"]));

    const stackDir = ws.stackDir("inference-dev");
    expect(readFileSync(join(stackDir, "plan.json"), "utf8")).toBe(planText("realworld/plan-comment-1-modify.json"));
    const review = readFileSync(join(stackDir, "plan-review.md"), "utf8");
    expect(review.startsWith("## Plan review: inference-dev\n\n**2 to replace, 1 unchanged**")).toBe(true);
    expect(review).toContain(`Plan file \`inference-dev.tfplan\` sha256 \`${sha256(join(stackDir, "inference-dev.tfplan"))}\``);
    expect(review).not.toContain("foo-42");
    expect(readFileSync(join(ws.outdir, "plan-review.md"), "utf8")).toBe(review);

    const record = JSON.parse(readFileSync(join(stackDir, "inference-dev.plan-record.json"), "utf8"));
    expect(record).toEqual({
      version: 1,
      stack: "inference-dev",
      plan_file: "inference-dev.tfplan",
      plan_sha256: sha256(join(stackDir, "inference-dev.tfplan")),
      synth: {
        "assets/regional_handler_zip/abc/regional.zip": sha256(join(stackDir, "assets/regional_handler_zip/abc/regional.zip")),
        "cdk.tf.json": sha256(join(stackDir, "cdk.tf.json")),
      },
    });
    expect(result.stdout).toBe(`inference-dev: 2 to replace, 1 unchanged; 0 risks flagged; review: ${join(stackDir, "plan-review.md")}\n`);
    expect(readdirSync(stackDir).filter((name) => name.includes("partial") || name.endsWith(".tmp"))).toEqual([]);
  });

  it("plans every stack with --all and joins the reviews into one comment", () => {
    const ws = workspace();
    ws.scenario({
      stacks: {
        "inference-dev": { plan: planPath("aws/regula-cloudfront-create.json") },
        "state-dev": { plan: planPath("realworld/plan-comment-2-delete.json") },
      },
    });
    const result = ws.run(["plan", "--all", "--no-synth"]);
    expect(result.status).toBe(0);
    expect(
      result.stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => line.split(";")[0]),
    ).toEqual(["inference-dev: 5 to create", "state-dev: 2 to delete, 1 unchanged"]);
    const combined = readFileSync(join(ws.outdir, "plan-review.md"), "utf8");
    expect(combined.indexOf("## Plan review: inference-dev")).toBeLessThan(combined.indexOf("## Plan review: state-dev"));
    expect(combined).toContain("### Risks (1)");
  });

  it("stops on a terraform error, quotes its stderr, and leaves no review behind", () => {
    const ws = workspace();
    ws.scenario({ stacks: { "inference-dev": { plan: planPath("realworld/plan-comment-1-modify.json") } } });
    expect(ws.run(["plan", "inference-dev", "--no-synth"]).status).toBe(0);
    const stackDir = ws.stackDir("inference-dev");
    expect(existsSync(join(stackDir, "plan-review.md"))).toBe(true);

    ws.scenario({
      stacks: {
        "inference-dev": {
          planExit: 1,
          stderr: '\nError: No valid credential sources found\n\n  with provider["registry.terraform.io/hashicorp/aws"]',
        },
      },
    });
    const result = ws.run(["plan", "inference-dev", "--no-synth"]);
    expect(result.status).toBe(1);
    expect(ownLines(result.stderr)).toEqual([
      "plan failed:",
      "  inference-dev: terraform plan failed (exit 1):",
      "    | Error: No valid credential sources found",
      '    |   with provider["registry.terraform.io/hashicorp/aws"]',
    ]);
    noStackTrace(result.stderr);
    for (const name of ["plan-review.md", "plan.json", "inference-dev.tfplan", "inference-dev.tfplan.partial", "inference-dev.plan-record.json"]) {
      expect(existsSync(join(stackDir, name))).toBe(false);
    }
    expect(existsSync(join(ws.outdir, "plan-review.md"))).toBe(false);
  });

  it.each([
    ["truncated", (text: string) => text.slice(0, 300), /inference-dev: terraform show -json: truncated JSON/],
    [
      "of an unknown format",
      (text: string) => text.replace('"format_version": "1.2"', '"format_version": "2.0"'),
      /unsupported plan format_version "2\.0"/,
    ],
    ["empty", () => "", /empty; expected the output of `terraform show -json <planfile>`/],
  ])("refuses a plan JSON that is %s, with one line and nothing half-written", (_, mangle, message) => {
    const ws = workspace();
    ws.scenario({ stacks: { "inference-dev": { showOutput: mangle(planText("realworld/plan-comment-1-modify.json")) } } });
    const result = ws.run(["plan", "inference-dev", "--no-synth"]);
    expect(result.status).toBe(1);
    const own = ownLines(result.stderr);
    expect(own).toHaveLength(1);
    expect(own[0]).toMatch(/^plan failed: /);
    expect(own[0]).toMatch(message);
    noStackTrace(result.stderr);
    expect(readdirSync(ws.stackDir("inference-dev")).sort()).toEqual([".terraform", "assets", "cdk.tf.json"]);
  });

  it("names the stacks that exist when asked for one that does not", () => {
    const ws = workspace();
    ws.scenario({ stacks: {} });
    const result = ws.run(["plan", "inference-qa", "--no-synth"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^plan failed: no stack "inference-qa" in .*cdktf\.out\/stacks \(stacks are: inference-dev, state-dev\); run `npm run synth` first\n$/,
    );
  });

  it("says what to install when terraform is missing, and refuses versions below 1.11", () => {
    const ws = workspace();
    ws.scenario({ stacks: {} });
    const missing = ws.run(["plan", "--all", "--no-synth"], { PATH: "/usr/bin:/bin" });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(
      "plan failed: terraform not found on PATH: install Terraform >= 1.11 (https://developer.hashicorp.com/terraform/install) and put it on PATH, or set TERRAFORM_BINARY_NAME to its name or path\n",
    );
    const misnamed = ws.run(["drift", "--all"], { TERRAFORM_BINARY_NAME: "/opt/nowhere/terraform" });
    expect(misnamed.status).toBe(1);
    expect(misnamed.stderr).toMatch(
      /^drift failed: TERRAFORM_BINARY_NAME="\/opt\/nowhere\/terraform": not found or not executable: install Terraform >= 1\.11/,
    );

    ws.scenario({ version: "1.9.8", stacks: {} });
    const old = ws.run(["plan", "--all", "--no-synth"]);
    expect(old.status).toBe(1);
    expect(old.stderr).toMatch(
      /^plan failed: \/.*\/terraform is version 1\.9\.8; this project needs Terraform >= 1\.11 \(the S3 backend's use_lockfile\)/,
    );
    expect(ws.calls().map((call) => call.args[0])).toEqual(["version"]);
  });

  it("finds the binary through TERRAFORM_BINARY_NAME", () => {
    const ws = workspace();
    ws.scenario({ stacks: { "inference-dev": { plan: planPath("tofu/show-json/basic-update.json") } } });
    const result = ws.run(["plan", "inference-dev", "--no-synth"], { PATH: "/usr/bin:/bin", TERRAFORM_BINARY_NAME: join(ws.bin, "tf-stand-in") });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^inference-dev: 1 unchanged; 0 risks flagged/);
  });
});

describe("apply (against the terraform stand-in)", () => {
  function planned(): Workspace {
    const ws = workspace();
    ws.scenario({ stacks: { "inference-dev": { plan: planPath("realworld/plan-comment-1-modify.json") } } });
    expect(ws.run(["plan", "inference-dev", "--no-synth"]).status).toBe(0);
    return ws;
  }
  const applyCalls = (ws: Workspace): string[][] =>
    ws
      .calls()
      .filter((call) => call.args[0] === "apply")
      .map((call) => call.args);

  it("applies exactly the reviewed plan file, once", () => {
    const ws = planned();
    const result = ws.run(["apply", "inference-dev"]);
    expect(result.status).toBe(0);
    expect(applyCalls(ws)).toEqual([["apply", "-input=false", "-no-color", "inference-dev.tfplan"]]);
    expect(result.stdout).toMatch(/^inference-dev: applied the reviewed plan \(sha256 [0-9a-f]{64}\)\n$/);
    expect(existsSync(join(ws.stackDir("inference-dev"), "inference-dev.tfplan"))).toBe(false);

    const again = ws.run(["apply", "inference-dev"]);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/no reviewed plan/);
    expect(applyCalls(ws)).toHaveLength(1);
  });

  it("refuses without a plan", () => {
    const ws = workspace();
    ws.scenario({ stacks: {} });
    const result = ws.run(["apply", "inference-dev"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^apply failed: inference-dev: no reviewed plan \(.*inference-dev\.plan-record\.json is missing\); run `npm run plan -- inference-dev`, review plan-review\.md, then apply\n$/,
    );
    expect(ws.calls()).toEqual([]);
  });

  it("refuses when cdk.tf.json changed since the plan (a different synth)", () => {
    const ws = planned();
    const file = join(ws.stackDir("inference-dev"), "cdk.tf.json");
    writeFileSync(file, readFileSync(file, "utf8").replace('"resource": {}', '"resource": {"aws_s3_bucket": {}}'));
    const result = ws.run(["apply", "inference-dev"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      [
        "apply failed:",
        "  inference-dev: the synthesized stack changed since the plan was made: cdk.tf.json",
        "  inference-dev: refusing to apply a stale plan; run `npm run plan -- inference-dev`, review plan-review.md, then apply",
        "",
      ].join("\n"),
    );
    expect(applyCalls(ws)).toEqual([]);
  });

  it("refuses when a handler zip changed, or the plan file is not the reviewed one", () => {
    const ws = planned();
    const stackDir = ws.stackDir("inference-dev");
    writeFileSync(join(stackDir, "assets/regional_handler_zip/abc/regional.zip"), "other bytes");
    writeFileSync(join(stackDir, "inference-dev.tfplan"), "a different plan");
    const result = ws.run(["apply", "inference-dev"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("  inference-dev: inference-dev.tfplan is not the plan that was reviewed (its sha256 changed)\n");
    expect(result.stderr).toContain(
      "  inference-dev: the synthesized stack changed since the plan was made: assets/regional_handler_zip/abc/regional.zip\n",
    );
    expect(applyCalls(ws)).toEqual([]);
  });

  it("refuses a record that names any other plan file, so apply never removes a path it did not write", () => {
    const ws = planned();
    const recordPath = join(ws.stackDir("inference-dev"), "inference-dev.plan-record.json");
    const record = JSON.parse(readFileSync(recordPath, "utf8"));
    writeFileSync(recordPath, JSON.stringify({ ...record, plan_file: "../../../config" }));
    const result = ws.run(["apply", "inference-dev"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/inference-dev: the plan record .* is not one this tool wrote for inference-dev/);
    expect(applyCalls(ws)).toEqual([]);
  });

  it("reports a failed apply with terraform's stderr and keeps the record", () => {
    const ws = planned();
    ws.scenario({ stacks: { "inference-dev": { applyExit: 1, stderr: "Error: Saved plan is stale" } } });
    const result = ws.run(["apply", "inference-dev"]);
    expect(result.status).toBe(1);
    expect(ownLines(result.stderr)).toEqual([
      "apply failed:",
      "  inference-dev: terraform apply failed (exit 1):",
      "    | Error: Saved plan is stale",
    ]);
    expect(existsSync(join(ws.stackDir("inference-dev"), "inference-dev.plan-record.json"))).toBe(true);
  });
});

describe("drift (against the terraform stand-in)", () => {
  const report = (ws: Workspace) => JSON.parse(readFileSync(join(ws.outdir, "drift-report.json"), "utf8"));

  it("exits 2 on drift, writes both reports and one line per stack, and keeps no plan file", () => {
    const ws = workspace();
    ws.scenario({
      stacks: {
        "inference-dev": { plan: planPath("tofu/equivalence/drift_refresh_only.plan.json"), planExit: 2 },
        "state-dev": { plan: planPath("tofu/equivalence/moved_with_refresh_only.plan.json"), planExit: 0 },
      },
    });
    const result = ws.run(["drift", "--all"]);
    expect(result.status).toBe(2);
    expect(result.stdout.split("\n")).toEqual([
      "inference-dev: drift: 1 resource changed outside Terraform (tfcoremock_simple_resource.drift)",
      "state-dev: no drift",
      expect.stringMatching(/^drift report: .*drift-report\.json, .*drift-report\.md$/),
      "",
    ]);
    expect(
      ws
        .calls()
        .filter((call) => call.stack === "inference-dev")
        .map((call) => call.args.join(" ")),
    ).toEqual([
      "init -input=false -no-color",
      "plan -refresh-only -detailed-exitcode -input=false -lock=false -no-color -out=inference-dev.drift.tfplan",
      "show -json inference-dev.drift.tfplan",
    ]);
    const json = report(ws);
    expect(json.version).toBe(1);
    expect(json.status).toBe("drift");
    expect(json.stacks.map((stack: { stack: string; status: string }) => [stack.stack, stack.status])).toEqual([
      ["inference-dev", "drift"],
      ["state-dev", "no-drift"],
    ]);
    expect(json.stacks[0].drift[0].attributes).toEqual([{ path: "string", before: "Hello, world!", after: "Hello, drift!" }]);
    expect(readFileSync(join(ws.outdir, "drift-report.md"), "utf8").startsWith("## Drift detected\n")).toBe(true);
    for (const stack of ["inference-dev", "state-dev"])
      expect(readdirSync(ws.stackDir(stack)).filter((name) => name.endsWith(".tfplan"))).toEqual([]);
  });

  it("reads drift from the plan, not the exit code: output-only changes (exit 2) are not drift, OpenTofu's exit 0 with drift is", () => {
    const ws = workspace(["inference-dev"]);
    ws.scenario({ stacks: { "inference-dev": { plan: planPath("tofu/equivalence/variables_and_outputs.plan.json"), planExit: 2 } } });
    expect(ws.run(["drift", "inference-dev"]).status).toBe(0);
    expect(report(ws).stacks[0]).toMatchObject({ status: "no-drift", terraform_exit_code: 2 });

    ws.scenario({ stacks: { "inference-dev": { plan: planPath("tofu/equivalence/drift_refresh_only.plan.json"), planExit: 0 } } });
    expect(ws.run(["drift", "inference-dev"]).status).toBe(2);
  });

  it("exits 1 when any stack errors, even if another drifted, and still reports every stack", () => {
    const ws = workspace();
    ws.scenario({
      stacks: {
        "inference-dev": { plan: planPath("tofu/equivalence/drift_refresh_only.plan.json"), planExit: 2 },
        "state-dev": { planExit: 1, stderr: "Error: error configuring S3 Backend: no valid credential sources" },
      },
    });
    const result = ws.run(["drift", "--all"]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(
      "state-dev: error: terraform plan -refresh-only failed (exit 1): Error: error configuring S3 Backend: no valid credential sources\n",
    );
    const json = report(ws);
    expect(json.status).toBe("error");
    expect(json.stacks[1]).toEqual({
      stack: "state-dev",
      status: "error",
      terraform_exit_code: 1,
      error: "terraform plan -refresh-only failed (exit 1): Error: error configuring S3 Backend: no valid credential sources",
      drift: [],
      pending: [],
      moved: [],
    });
  });

  it("reports a corrupt show -json as that stack's error", () => {
    const ws = workspace(["inference-dev"]);
    ws.scenario({ stacks: { "inference-dev": { showOutput: '{"format_version": "1.2", "resource_drift": [' } } });
    const result = ws.run(["drift", "inference-dev"]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^inference-dev: error: terraform show -json: truncated JSON/);
  });

  it("leaves no stale report when it cannot start", () => {
    const ws = workspace();
    ws.scenario({ stacks: { "inference-dev": { plan: planPath("tofu/equivalence/drift_refresh_only.plan.json"), planExit: 2 } } });
    expect(ws.run(["drift", "inference-dev"]).status).toBe(2);
    expect(existsSync(join(ws.outdir, "drift-report.json"))).toBe(true);
    const result = ws.run(["drift", "inference-prod"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^drift failed: no stack "inference-prod" in .* \(stacks are: inference-dev, state-dev\); run `npm run synth` first\n$/,
    );
    expect(existsSync(join(ws.outdir, "drift-report.json"))).toBe(false);
    expect(existsSync(join(ws.outdir, "drift-report.md"))).toBe(false);
  });
});

describe("usage and review", () => {
  it("asks for a stack, and renders a review from a plan file", () => {
    const ws = workspace();
    ws.scenario({ stacks: {} });
    expect(ws.run(["plan"]).stderr).toBe("plan failed: plan: name a stack or pass --all: npm run plan -- <stack|--all>\n");
    expect(ws.run(["apply", "a", "b"]).stderr).toBe("apply failed: apply takes exactly one stack: npm run apply -- <stack>\n");
    const review = ws.run(["review", planPath("realworld/tfjson-action-reason-tainted.json"), "--stack", "inference-dev"]);
    expect(review.status).toBe(0);
    expect(review.stdout).toMatch(/^## Plan review: inference-dev\n\n\*\*1 to replace\*\*/);
  });

  it("refuses a corrupt plan file with one line", () => {
    const ws = workspace();
    const file = join(ws.dir, "plan.json");
    writeFileSync(file, planText("realworld/plan-comment-1-modify.json").slice(0, 1000));
    const result = ws.run(["review", file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^review failed: .*plan\.json: truncated JSON \(.*\); re-run `terraform show -json <planfile>`\n$/);
    expect(result.stdout).toBe("");
  });
});

describe("plan with synth (against the terraform stand-in; slow: synthesizes the dev environment)", () => {
  it("synthesizes first and keeps terraform's working files, above all the bootstrap stack's local state", () => {
    const ws = workspace([]);
    const stateDir = ws.stackDir("state-dev");
    mkdirSync(join(stateDir, ".terraform", "providers"), { recursive: true });
    writeFileSync(join(stateDir, "terraform.state-dev.tfstate"), '{"version": 4, "serial": 7}');
    writeFileSync(join(stateDir, ".terraform.lock.hcl"), "# lock");
    ws.scenario({ stacks: { "state-dev": { plan: planPath("tofu/show-json/basic-update.json") } } });
    const result = ws.run(["plan", "state-dev"], { EDGE_INFERENCE_ENVS: "dev" });
    expect(result.stderr).not.toMatch(/plan failed/);
    expect(result.status).toBe(0);
    expect(existsSync(join(stateDir, "cdk.tf.json"))).toBe(true);
    expect(readFileSync(join(stateDir, "terraform.state-dev.tfstate"), "utf8")).toBe('{"version": 4, "serial": 7}');
    expect(readFileSync(join(stateDir, ".terraform.lock.hcl"), "utf8")).toBe("# lock");
    expect(existsSync(join(stateDir, ".terraform", "providers"))).toBe(true);
    expect(readdirSync(ws.dir).filter((name) => name.includes("terraform-files") || name.includes("staging"))).toEqual([]);
    expect(readdirSync(join(ws.outdir, "stacks")).sort()).toEqual(["inference-dev", "state-dev"]);
  }, 240_000);
});
