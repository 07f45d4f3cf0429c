/**
 * Problems a person must fix in files they edit (config, models, handler code). main.ts prints
 * `problems` one per line and exits 1 without a stack trace.
 */
export class ProblemsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = new.target.name;
  }
}
