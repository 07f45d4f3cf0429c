/**
 * A problem a person must fix in a file they edit. main.ts prints `problems` one per line and
 * exits 1 without a stack trace.
 */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "ConfigError";
  }
}
