import { readFileSync } from "node:fs";
import { relative } from "node:path";
import type { InferenceSession } from "onnxruntime-node";
import type { QueryInputSpec } from "../../handlers/shared/canonical-query";
import { sha256Hex } from "../../handlers/shared/model-manifest";
import type { ModelArtifact } from "../config/models";
import { BuildError } from "./errors";

export interface ModelBytes {
  readonly model: ModelArtifact;
  /** The path shown in messages: relative to the project root. */
  readonly shown: string;
  readonly bytes: Uint8Array;
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}

/** Reads every model's ONNX file; all unreadable or missing files are reported in one BuildError. */
export function readModelFiles(projectRoot: string, models: readonly ModelArtifact[]): ModelBytes[] {
  const problems: string[] = [];
  const read: ModelBytes[] = [];
  for (const model of models) {
    const shown = relative(projectRoot, model.modelPath) || model.modelPath;
    try {
      read.push({ model, shown, bytes: readFileSync(model.modelPath) });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      problems.push(
        code === "ENOENT"
          ? `${shown}: missing; every model folder needs a model.onnx`
          : `${shown}: cannot be read (${code ?? firstLine(String(error))})`,
      );
    }
  }
  if (problems.length > 0) throw new BuildError(problems);
  return read;
}

/** A model's inputs in the cacheable GET form: what the viewer-request function canonicalizes against. */
export interface ModelQueryInputs {
  readonly model: ModelArtifact;
  readonly queryInputs: readonly QueryInputSpec[];
}

/**
 * ONNX Runtime tensor types and their OIP datatypes. The runtime keeps the same table
 * (handlers/core/datatypes.ts, out of reach of src/); a test checks both give equal specs.
 */
const OIP_DATATYPE_OF: Readonly<Record<string, string>> = {
  bool: "BOOL",
  uint8: "UINT8",
  uint16: "UINT16",
  uint32: "UINT32",
  uint64: "UINT64",
  int8: "INT8",
  int16: "INT16",
  int32: "INT32",
  int64: "INT64",
  float32: "FP32",
  float64: "FP64",
  string: "BYTES",
};

/**
 * The GET-form spec of each input, derived as the runtime derives ModelSignature.queryInputs: the
 * declared shape with its first dynamic dimension (the batch) set to 1, and -1 elements when another
 * dimension is dynamic. Returns the reason instead when the runtime would refuse the model.
 */
export function queryInputSpecs(inputs: readonly InferenceSession.ValueMetadata[]): { specs: QueryInputSpec[] } | { problem: string } {
  const specs: QueryInputSpec[] = [];
  for (const input of inputs) {
    if (!input.isTensor) return { problem: `input '${input.name}' is not a tensor, which OIP cannot send` };
    const datatype = OIP_DATATYPE_OF[input.type];
    if (!datatype) return { problem: `input '${input.name}' has ONNX type ${input.type}, which the runtime cannot accept` };
    let batchSet = false;
    let elements = 1;
    for (const dim of input.shape) {
      if (typeof dim === "number" && dim >= 0) elements *= dim;
      else if (!batchSet) batchSet = true;
      else elements = -1;
      if (elements < 0) break;
    }
    specs.push({ name: input.name, datatype, elements });
  }
  return { specs };
}

// Keyed by the sha256 of the bytes opened: each model is opened once per process, however many
// environments and builds ask.
const queryInputsBySha256 = new Map<string, Promise<{ specs: QueryInputSpec[] } | { problem: string }>>();

async function describeModel(bytes: Uint8Array): Promise<{ specs: QueryInputSpec[] } | { problem: string }> {
  const { InferenceSession } = await import("onnxruntime-node");
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(bytes);
  } catch (error) {
    return { problem: `ONNX Runtime cannot load it: ${firstLine(error instanceof Error ? error.message : String(error))}` };
  }
  try {
    const described = queryInputSpecs(session.inputMetadata);
    return "problem" in described ? { problem: `the runtime cannot serve it: ${described.problem}` } : described;
  } finally {
    await session.release();
  }
}

/**
 * Opens each model with ONNX Runtime, as the handler will at cold start, and returns its inputs in
 * the GET form. A model the runtime could not load or serve fails the build instead of the first
 * request; all such models are reported in one BuildError.
 */
export async function readModelQueryInputs(models: readonly ModelBytes[]): Promise<ModelQueryInputs[]> {
  const problems: string[] = [];
  const described: ModelQueryInputs[] = [];
  for (const { model, shown, bytes } of models) {
    const sha256 = sha256Hex(bytes);
    let pending = queryInputsBySha256.get(sha256);
    if (!pending) queryInputsBySha256.set(sha256, (pending = describeModel(bytes)));
    const result = await pending;
    if ("problem" in result) problems.push(`${shown}: ${result.problem}`);
    else described.push({ model, queryInputs: result.specs });
  }
  if (problems.length > 0) throw new BuildError(problems);
  return described;
}

/** The load check of the handler build: every model opens with ONNX Runtime and has inputs it can serve. */
export async function checkModelsLoad(models: readonly ModelBytes[]): Promise<void> {
  await readModelQueryInputs(models);
}
