import { readFileSync } from "node:fs";
import { relative } from "node:path";
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

/**
 * Opens each model with ONNX Runtime, as the handler will at cold start, so a model it cannot load
 * fails the build instead of the first request.
 */
export async function checkModelsLoad(models: readonly ModelBytes[]): Promise<void> {
  const { InferenceSession } = await import("onnxruntime-node");
  const problems: string[] = [];
  for (const { shown, bytes } of models) {
    try {
      const session = await InferenceSession.create(bytes);
      await session.release();
    } catch (error) {
      problems.push(`${shown}: ONNX Runtime cannot load it: ${firstLine(error instanceof Error ? error.message : String(error))}`);
    }
  }
  if (problems.length > 0) throw new BuildError(problems);
}
