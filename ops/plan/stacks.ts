import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ProblemsError } from "../../src/problems";
import { compareText } from "./attribute-diff";
import { displayPath } from "./files";

/** Where synth writes: CDKTF_OUTDIR when set (as cdktf-cli sets it), else <project>/cdktf.out. */
export function outputDirectory(projectRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.CDKTF_OUTDIR ?? join(projectRoot, "cdktf.out");
}

export function stackDirectory(outdir: string, stack: string): string {
  return join(outdir, "stacks", stack);
}

/** Synthesized stacks: directories under <outdir>/stacks that hold a cdk.tf.json, sorted. */
export function listStacks(outdir: string): string[] {
  const stacks = join(outdir, "stacks");
  if (!existsSync(stacks)) return [];
  return readdirSync(stacks, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(stacks, entry.name, "cdk.tf.json")))
    .map((entry) => entry.name)
    .sort(compareText);
}

const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * Turns `<stack...>` or `--all` into existing stack names. `hint` tells how to get a missing stack
 * (run synth, or check config/).
 */
export function resolveStacks(outdir: string, requested: readonly string[], all: boolean, hint: string): string[] {
  const available = listStacks(outdir);
  const where = displayPath(join(outdir, "stacks"));
  if (all) {
    if (available.length === 0) throw new ProblemsError([`no synthesized stacks in ${where}; ${hint}`]);
    return available;
  }
  const problems: string[] = [];
  for (const stack of requested) {
    if (!STACK_NAME.test(stack)) problems.push(`${JSON.stringify(stack)} is not a stack name (letters, digits, "-" and "_")`);
    else if (!available.includes(stack)) {
      const found = available.length > 0 ? `stacks are: ${available.join(", ")}` : "there are no synthesized stacks";
      problems.push(`no stack ${JSON.stringify(stack)} in ${where} (${found}); ${hint}`);
    }
  }
  if (problems.length > 0) throw new ProblemsError(problems);
  return [...new Set(requested)];
}

