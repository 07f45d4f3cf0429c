import { existsSync, readFileSync, renameSync } from "node:fs";
import { join, relative } from "node:path";
import { ProblemsError } from "../../src/problems";
import { displayPath, removeFiles, writeAtomically } from "./files";
import { code } from "./markdown";
import { parsePlanJson, type PlanJson } from "./plan-json";
import { hashSynth, recordFile, sha256File, writeRecord } from "./record";
import { combineReviews, countActions, renderReview, summarizeCounts } from "./review";
import { assessRisks } from "./risks";
import { colorFlags, type CommandContext } from "./context";
import { resolveStacks, stackDirectory } from "./stacks";
import { locateTerraform, runTerraform, terraformFailed, type Terraform } from "./terraform";

export interface PlanArguments {
  readonly stacks: readonly string[];
  readonly all: boolean;
  /** Plan what is already in cdktf.out (CI runs synth as its own step). */
  readonly skipSynth: boolean;
}

export const COMBINED_REVIEW = "plan-review.md";

/** Files `plan` writes into a stack directory; all removed before planning so none can be stale. */
export function planOutputs(stackDir: string, stack: string): { planFile: string; planJson: string; review: string; record: string } {
  return {
    planFile: join(stackDir, `${stack}.tfplan`),
    planJson: join(stackDir, "plan.json"),
    review: join(stackDir, "plan-review.md"),
    record: recordFile(stackDir, stack),
  };
}

/**
 * synth -> per stack: init -> plan -out -> show -json -> plan.json, plan-review.md and the record
 * apply checks. Stops at the first stack that fails, leaving none of that stack's outputs behind.
 */
export async function planCommand(context: CommandContext, args: PlanArguments): Promise<number> {
  const { outdir } = context;
  const combined = join(outdir, COMBINED_REVIEW);
  removeFiles([combined]);
  const terraform = await locateTerraform(context.env);

  if (!args.skipSynth) {
    const environments = context.env.EDGE_INFERENCE_ENVS?.split(",").filter(Boolean);
    const { synthesize } = await import("../../src/synth");
    // synthesize() swaps in the new output atomically and carries Terraform's own files (state, providers) over.
    await synthesize({ projectRoot: context.projectRoot, outdir, environments });
  }
  const hint = args.skipSynth ? "run `npm run synth` first" : "check config/*.json and EDGE_INFERENCE_ENVS";
  const stacks = resolveStacks(outdir, args.stacks, args.all, hint);

  const reviews: { stack: string; plan: PlanJson; footer: string[] }[] = [];
  for (const stack of stacks) {
    const result = await planStack(context, terraform, stack);
    reviews.push(result);
    const counts = summarizeCounts(countActions(result.plan));
    const risks = assessRisks(result.plan.resourceChanges, { stack }).length;
    const review = displayPath(planOutputs(stackDirectory(outdir, stack), stack).review);
    context.out(`${stack}: ${counts}; ${risks} risk${risks === 1 ? "" : "s"} flagged; review: ${review}`);
  }
  writeAtomically(combined, combineReviews(reviews));
  return 0;
}

async function planStack(context: CommandContext, terraform: Terraform, stack: string): Promise<{ stack: string; plan: PlanJson; footer: string[] }> {
  const stackDir = stackDirectory(context.outdir, stack);
  const outputs = planOutputs(stackDir, stack);
  const partialPlan = `${outputs.planFile}.partial`;
  const everything = [outputs.planFile, outputs.planJson, outputs.review, outputs.record, partialPlan];
  removeFiles(everything);
  try {
    const color = colorFlags();
    const init = await runTerraform(terraform.binary, ["init", "-input=false", ...color], { cwd: stackDir });
    if (init.code !== 0) throw terraformFailed(stack, "init", init);
    const plan = await runTerraform(terraform.binary, ["plan", "-input=false", ...color, `-out=${relative(stackDir, partialPlan)}`], {
      cwd: stackDir,
    });
    if (plan.code !== 0) throw terraformFailed(stack, "plan", plan);
    if (!existsSync(partialPlan)) throw new ProblemsError([`${stack}: terraform plan succeeded but wrote no plan file`]);
    renameSync(partialPlan, outputs.planFile);

    const show = await runTerraform(terraform.binary, ["show", "-json", relative(stackDir, outputs.planFile)], { cwd: stackDir, capture: true });
    if (show.code !== 0) throw terraformFailed(stack, "show -json", show);
    const parsed = parsePlanJson(show.stdout, `${stack}: terraform show -json`);
    if (parsed.errored) throw new ProblemsError([`${stack}: the plan errored and cannot be applied; see terraform's output above`]);

    const planSha256 = sha256File(outputs.planFile);
    const synth = hashSynth(stackDir);
    const footer = [
      `Terraform ${terraform.version}, plan format ${parsed.formatVersion}.`,
      `Plan file ${code(`${stack}.tfplan`)} sha256 ${code(planSha256)}; ${code("cdk.tf.json")} sha256 ${code(synth["cdk.tf.json"] ?? "")}.`,
      `Apply exactly this plan with ${code(`npm run apply -- ${stack}`)}.`,
    ];
    writeAtomically(outputs.planJson, show.stdout);
    writeAtomically(outputs.review, renderReview(parsed, { stack, footer }));
    // Written last: its presence is what lets apply go ahead.
    writeRecord(stackDir, { version: 1, stack, plan_file: `${stack}.tfplan`, plan_sha256: planSha256, synth });
    return { stack, plan: parsed, footer };
  } catch (error) {
    removeFiles(everything);
    throw error;
  }
}

/** Reads a plan.json from disk (for `review`), with the same checks as after `show -json`. */
export function readPlanFile(file: string): PlanJson {
  if (!existsSync(file)) throw new ProblemsError([`${file}: no such file`]);
  return parsePlanJson(readFileSync(file, "utf8"), file);
}
