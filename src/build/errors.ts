/**
 * A build problem a person must fix (a handler that does not bundle, a model ONNX Runtime cannot
 * load, a zip over AWS's size limit). main.ts prints `problems` one per line without a stack trace.
 */
export class BuildError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "BuildError";
  }
}
