import { join, relative } from "node:path";
import { ProblemsError } from "../../src/problems";
import { colorFlags, type CommandContext } from "./context";
import { driftExitCode, driftReport, readDrift, renderDriftMarkdown, stackError, summaryLine, type StackDrift } from "./drift";
import { displayPath, jsonText, removeFiles, writeAtomically } from "./files";
import { parsePlanJson } from "./plan-json";
import { resolveStacks, stackDirectory } from "./stacks";
import { locateTerraform, runTerraform, terraformFailed, type Terraform } from "./terraform";

export const DRIFT_REPORT_JSON = "drift-report.json";
export const DRIFT_REPORT_MARKDOWN = "drift-report.md";

/**
 * Per stack: init, `plan -refresh-only -detailed-exitcode -input=false -lock=false`, `show -json`.
 * Drift is read from resource_drift, not from the exit code: Terraform also exits 2 for output-only
 * changes in refresh-only mode, and OpenTofu (up to at least 1.10) exits 0 even when it found drift.
 * The exit code only tells an error (1) apart. One stack's error does not stop the others.
 */
export async function driftCommand(context: CommandContext, args: { stacks: readonly string[]; all: boolean }): Promise<number> {
  const reportJson = join(context.outdir, DRIFT_REPORT_JSON);
  const reportMarkdown = join(context.outdir, DRIFT_REPORT_MARKDOWN);
  removeFiles([reportJson, reportMarkdown]);
  const stacks = resolveStacks(context.outdir, args.stacks, args.all, "run `npm run synth` first");
  const terraform = await locateTerraform(context.env);

  const results: StackDrift[] = [];
  for (const stack of stacks) results.push(await checkStack(terraform, stackDirectory(context.outdir, stack), stack));
  const report = driftReport(results);
  writeAtomically(reportJson, jsonText(report));
  writeAtomically(reportMarkdown, renderDriftMarkdown(report));
  for (const stack of report.stacks) context.out(summaryLine(stack));
  context.out(`drift report: ${displayPath(reportJson)}, ${displayPath(reportMarkdown)}`);
  return driftExitCode(report);
}

async function checkStack(terraform: Terraform, stackDir: string, stack: string): Promise<StackDrift> {
  const planFile = join(stackDir, `${stack}.drift.tfplan`);
  const color = colorFlags();
  removeFiles([planFile]);
  try {
    const init = await runTerraform(terraform.binary, ["init", "-input=false", ...color], { cwd: stackDir });
    if (init.code !== 0) return stackError(stack, oneLine(terraformFailed(stack, "init", init)), undefined);
    const plan = await runTerraform(
      terraform.binary,
      ["plan", "-refresh-only", "-detailed-exitcode", "-input=false", "-lock=false", ...color, `-out=${relative(stackDir, planFile)}`],
      { cwd: stackDir },
    );
    if (plan.code !== 0 && plan.code !== 2) return stackError(stack, oneLine(terraformFailed(stack, "plan -refresh-only", plan)), plan.code);
    const show = await runTerraform(terraform.binary, ["show", "-json", relative(stackDir, planFile)], { cwd: stackDir, capture: true });
    if (show.code !== 0) return stackError(stack, oneLine(terraformFailed(stack, "show -json", show)), plan.code);
    return readDrift(stack, parsePlanJson(show.stdout, `${stack}: terraform show -json`), plan.code);
  } catch (error) {
    if (error instanceof ProblemsError) return stackError(stack, oneLine(error));
    throw error;
  } finally {
    // A refresh-only plan, applied, would rewrite state to match reality: never leave one lying around.
    removeFiles([planFile]);
  }
}

/** A problem list as one report line without the stack prefix the summary adds back. */
function oneLine(error: ProblemsError): string {
  const [first = "", ...rest] = error.problems.map((problem) => problem.trim().replace(/^\|\s*/, ""));
  return [first.replace(/^[^:\s]+: /, ""), rest.join(" / ")].filter(Boolean).join(" ");
}
