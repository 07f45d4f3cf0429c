import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
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

/** Terraform's working files in a stack directory: providers, lock file, local state, locks. */
function isTerraformFile(name: string): boolean {
  return name === ".terraform" || name === ".terraform.lock.hcl" || /\.tfstate(\.backup)?$/.test(name) || name === ".terraform.tfstate.lock.info";
}

/**
 * Runs `synth` while keeping Terraform's working files out of its way. Synth swaps in a fresh
 * cdktf.out, which would drop `.terraform/` (providers), the lock file and, worst, the local state
 * of the bootstrap stacks (terraform.state-<env>.tfstate). They are moved aside first and put back
 * into their stack directories afterwards, whether synth succeeded or not.
 */
export async function synthKeepingTerraformFiles<T>(outdir: string, synth: () => Promise<T>): Promise<T> {
  const holding = join(dirname(outdir), `.${basename(outdir)}.terraform-files-${process.pid}`);
  const moved: { stack: string; name: string }[] = [];
  const stacksDir = join(outdir, "stacks");
  if (existsSync(stacksDir)) {
    for (const stack of readdirSync(stacksDir)) {
      const stackDir = join(stacksDir, stack);
      let entries: string[];
      try {
        entries = readdirSync(stackDir);
      } catch {
        continue;
      }
      for (const name of entries.filter(isTerraformFile)) {
        mkdirSync(join(holding, stack), { recursive: true });
        renameSync(join(stackDir, name), join(holding, stack, name));
        moved.push({ stack, name });
      }
    }
  }
  try {
    return await synth();
  } finally {
    for (const { stack, name } of moved) {
      const stackDir = stackDirectory(outdir, stack);
      mkdirSync(stackDir, { recursive: true });
      renameSync(join(holding, stack, name), join(stackDir, name));
    }
    rmSync(holding, { recursive: true, force: true });
  }
}
