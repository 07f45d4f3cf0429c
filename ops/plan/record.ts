import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { ProblemsError } from "../../src/problems";
import { compareText } from "./attribute-diff";
import { displayPath, jsonText, writeAtomically } from "./files";

/**
 * What `plan` records beside the plan file so `apply` can prove it applies the reviewed plan to the
 * synth it was made from: the plan file's hash and the hash of every synthesized file of the stack.
 */
export interface PlanRecord {
  readonly version: 1;
  readonly stack: string;
  /** File name of the plan inside the stack directory. */
  readonly plan_file: string;
  readonly plan_sha256: string;
  /** Stack-relative path (cdk.tf.json, assets/...) -> sha256, sorted by path. */
  readonly synth: Readonly<Record<string, string>>;
}

export function recordFile(stackDir: string, stack: string): string {
  return join(stackDir, `${stack}.plan-record.json`);
}

export function sha256File(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/**
 * Hashes what synth wrote for a stack: cdk.tf.json and every file under assets/ (handler zips,
 * models). Terraform's own files in the directory (.terraform, lock file, state, plans) are not
 * synth output and are left out.
 */
export function hashSynth(stackDir: string): Record<string, string> {
  const files = ["cdk.tf.json"];
  const assets = join(stackDir, "assets");
  if (existsSync(assets)) {
    for (const entry of readdirSync(assets, { recursive: true, encoding: "utf8" })) {
      const file = join(assets, entry);
      if (statSync(file).isFile()) files.push(relative(stackDir, file).split(sep).join("/"));
    }
  }
  const hashes: Record<string, string> = {};
  for (const file of files.sort(compareText)) hashes[file] = sha256File(join(stackDir, file));
  return hashes;
}

export function writeRecord(stackDir: string, record: PlanRecord): void {
  writeAtomically(recordFile(stackDir, record.stack), jsonText(record));
}

/**
 * The reasons the recorded plan must not be applied now, one line each; empty when it may be.
 * Throws when there is no usable record at all.
 */
export function checkRecord(stackDir: string, stack: string): { record: PlanRecord; problems: string[] } {
  const file = recordFile(stackDir, stack);
  const rerun = `run \`npm run plan -- ${stack}\`, review plan-review.md, then apply`;
  if (!existsSync(file)) throw new ProblemsError([`${stack}: no reviewed plan (${displayPath(file)} is missing); ${rerun}`]);
  let record: PlanRecord;
  try {
    record = JSON.parse(readFileSync(file, "utf8")) as PlanRecord;
  } catch {
    throw new ProblemsError([`${stack}: the plan record ${displayPath(file)} is not valid JSON; ${rerun}`]);
  }
  if (
    record.version !== 1 ||
    record.stack !== stack ||
    record.plan_file !== `${stack}.tfplan` ||
    typeof record.plan_sha256 !== "string" ||
    typeof record.synth !== "object"
  ) {
    throw new ProblemsError([`${stack}: the plan record ${displayPath(file)} is not one this tool wrote for ${stack}; ${rerun}`]);
  }

  const problems: string[] = [];
  const planFile = join(stackDir, record.plan_file);
  if (!existsSync(planFile)) problems.push(`${stack}: the reviewed plan file ${record.plan_file} is gone`);
  else if (sha256File(planFile) !== record.plan_sha256)
    problems.push(`${stack}: ${record.plan_file} is not the plan that was reviewed (its sha256 changed)`);

  const current = existsSync(join(stackDir, "cdk.tf.json")) ? hashSynth(stackDir) : {};
  const paths = [...new Set([...Object.keys(record.synth), ...Object.keys(current)])].sort(compareText);
  const differing = paths.filter((path) => record.synth[path] !== current[path]);
  if (differing.length > 0) {
    const shown = differing
      .slice(0, 5)
      .map((path) => (current[path] === undefined ? `${path} (gone)` : record.synth[path] === undefined ? `${path} (new)` : path));
    const more = differing.length > shown.length ? ` and ${differing.length - shown.length} more` : "";
    problems.push(`${stack}: the synthesized stack changed since the plan was made: ${shown.join(", ")}${more}`);
  }
  if (problems.length > 0) problems.push(`${stack}: refusing to apply a stale plan; ${rerun}`);
  return { record, problems };
}
