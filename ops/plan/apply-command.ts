import { existsSync } from "node:fs";
import { join } from "node:path";
import { ProblemsError } from "../../src/problems";
import { colorFlags, type CommandContext } from "./context";
import { removeFiles } from "./files";
import { checkRecord, recordFile } from "./record";
import { resolveStacks, stackDirectory } from "./stacks";
import { locateTerraform, runTerraform, terraformFailed } from "./terraform";

/**
 * Applies the plan file `plan` wrote and a person reviewed, and nothing else: it refuses when the
 * plan file or any synthesized file of the stack differs from what was recorded at plan time, and
 * never plans afresh. A saved plan applies once, so the record and plan file go after success.
 */
export async function applyCommand(context: CommandContext, stack: string): Promise<number> {
  const [resolved] = resolveStacks(context.outdir, [stack], false, "run `npm run plan -- <stack>` first");
  const stackDir = stackDirectory(context.outdir, resolved);
  const { record, problems } = checkRecord(stackDir, resolved);
  if (problems.length > 0) throw new ProblemsError(problems);

  const terraform = await locateTerraform(context.env);
  const color = colorFlags();
  if (!existsSync(join(stackDir, ".terraform"))) {
    const init = await runTerraform(terraform.binary, ["init", "-input=false", ...color], { cwd: stackDir });
    if (init.code !== 0) throw terraformFailed(resolved, "init", init);
  }
  const apply = await runTerraform(terraform.binary, ["apply", "-input=false", ...color, record.plan_file], { cwd: stackDir });
  if (apply.code !== 0) throw terraformFailed(resolved, "apply", apply);
  removeFiles([recordFile(stackDir, resolved), join(stackDir, record.plan_file)]);
  context.out(`${resolved}: applied the reviewed plan (sha256 ${record.plan_sha256})`);
  return 0;
}
