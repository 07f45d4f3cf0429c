import { ProblemsError } from "../problems";

/** A handler that does not bundle, a model ONNX Runtime cannot load, a zip over AWS's size limit. */
export class BuildError extends ProblemsError {}
