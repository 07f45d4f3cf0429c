/** What every command gets from the CLI: where things are, the environment, and where results go. */
export interface CommandContext {
  readonly projectRoot: string;
  /** cdktf.out (or CDKTF_OUTDIR). */
  readonly outdir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Results for people and jobs (stdout); terraform's own output goes to stderr. */
  readonly out: (line: string) => void;
}

/** `-no-color` unless terraform's output lands on a terminal, so logs and error tails stay plain. */
export function colorFlags(stream: NodeJS.WriteStream = process.stderr): string[] {
  return stream.isTTY === true && !process.env.NO_COLOR ? [] : ["-no-color"];
}
