import { ProblemsError } from "./problems";

/**
 * Prints why synth failed for a person to act on: one line per problem, no stack trace unless
 * EDGE_INFERENCE_DEBUG is set. Returns the process exit code.
 */
export function reportFailure(error: unknown, write: (text: string) => void = (text) => process.stderr.write(text)): number {
  if (error instanceof ProblemsError) {
    const { problems } = error;
    write(`synth failed: ${problems.length} problem${problems.length === 1 ? "" : "s"}\n`);
    for (const problem of problems) write(`  ${problem}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    write(`synth failed: ${message.trim()}\n`);
  }
  if (process.env.EDGE_INFERENCE_DEBUG && error instanceof Error && error.stack) write(`${error.stack}\n`);
  return 1;
}
