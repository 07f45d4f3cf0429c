import { resolve } from "node:path";
import { ProblemsError } from "../../src/problems";
import { applyCommand } from "./apply-command";
import type { CommandContext } from "./context";
import { driftCommand } from "./drift-command";
import { planCommand, readPlanFile } from "./plan-command";
import { renderReview } from "./review";
import { outputDirectory } from "./stacks";

const USAGE = [
  "usage:",
  "  npm run plan -- <stack...|--all> [--no-synth]   synth, plan, write plan.json and plan-review.md",
  "  npm run apply -- <stack>                        apply exactly the reviewed plan",
  "  npm run drift -- <stack...|--all>               refresh-only drift check (exit 0 none, 2 drift, 1 error)",
  "  npx tsx ops/plan/cli.ts review <plan.json> [--stack <name>]   render a review from a plan JSON file",
];

interface Parsed {
  readonly positional: string[];
  readonly flags: Set<string>;
  readonly stackLabel?: string;
}

function parse(args: readonly string[], allowed: readonly string[]): Parsed {
  const positional: string[] = [];
  const flags = new Set<string>();
  let stackLabel: string | undefined;
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    if (arg === "--stack" && allowed.includes(arg)) {
      stackLabel = args[index + 1];
      index += 1;
    } else if (arg.startsWith("--")) {
      if (!allowed.includes(arg)) throw new ProblemsError([`unknown option ${arg}`, ...USAGE]);
      flags.add(arg);
    } else positional.push(arg);
  }
  return { positional, flags, stackLabel };
}

export async function main(argv: readonly string[], context: CommandContext): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "plan": {
      const { positional, flags } = parse(rest, ["--all", "--no-synth"]);
      requireStacks(positional, flags.has("--all"), "plan");
      return planCommand(context, { stacks: positional, all: flags.has("--all"), skipSynth: flags.has("--no-synth") });
    }
    case "apply": {
      const { positional } = parse(rest, []);
      if (positional.length !== 1) throw new ProblemsError(["apply takes exactly one stack: npm run apply -- <stack>"]);
      return applyCommand(context, positional[0] as string);
    }
    case "drift": {
      const { positional, flags } = parse(rest, ["--all"]);
      requireStacks(positional, flags.has("--all"), "drift");
      return driftCommand(context, { stacks: positional, all: flags.has("--all") });
    }
    case "review": {
      const { positional, stackLabel } = parse(rest, ["--stack"]);
      if (positional.length !== 1) throw new ProblemsError(["review takes one plan JSON file", ...USAGE]);
      context.out(renderReview(readPlanFile(positional[0] as string), { stack: stackLabel }).trimEnd());
      return 0;
    }
    default:
      throw new ProblemsError([command ? `unknown command ${JSON.stringify(command)}` : "no command given", ...USAGE]);
  }
}

function requireStacks(stacks: readonly string[], all: boolean, command: string): void {
  if (all && stacks.length > 0) throw new ProblemsError([`${command}: give stack names or --all, not both`]);
  if (!all && stacks.length === 0) throw new ProblemsError([`${command}: name a stack or pass --all: npm run ${command} -- <stack|--all>`]);
}

/** One line per problem on stderr, exit code 1, a stack trace only with EDGE_INFERENCE_DEBUG. */
export function reportFailure(command: string, error: unknown, write: (text: string) => void): number {
  const label = `${command || "ops"} failed`;
  if (error instanceof ProblemsError) {
    const [first, ...rest] = error.problems;
    write(rest.length === 0 ? `${label}: ${first}\n` : `${label}:\n${error.problems.map((problem) => `  ${problem}`).join("\n")}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    write(`${label}: ${message.trim()}\n`);
  }
  if (process.env.EDGE_INFERENCE_DEBUG && error instanceof Error && error.stack) write(`${error.stack}\n`);
  return 1;
}

if (require.main === module) {
  const projectRoot = resolve(__dirname, "../..");
  const argv = process.argv.slice(2);
  const context: CommandContext = {
    projectRoot,
    outdir: outputDirectory(projectRoot),
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
  };
  main(argv, context).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.exitCode = reportFailure(argv[0] ?? "", error, (text) => process.stderr.write(text));
    },
  );
}
