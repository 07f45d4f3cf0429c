import { createHash } from "node:crypto";

/**
 * `models/<name>/model.json` is optional and may only add to what the ONNX file declares:
 * it can never rename, retype or reshape an input or output. Its schema lives in
 * model-manifest-schema.ts, so handler bundles, which read build-validated manifests, need no zod.
 */
export interface ModelManifest {
  readonly version?: string;
  readonly description?: string;
  /** Class names for an output that carries class indices or per-class scores, keyed by output name. */
  readonly labels?: Readonly<Record<string, readonly string[]>>;
  /** Outputs returned when a request names none; all returnable outputs when omitted. */
  readonly defaultOutputs?: readonly string[];
}

export const MODEL_FILE = "model.onnx";
export const MANIFEST_FILE = "model.json";

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The manifest's version when it names one, else the first 12 hex digits of the model file's sha256. */
export function modelVersion(modelBytes: Uint8Array, manifest: ModelManifest | undefined): string {
  return modelVersionOf(sha256Hex(modelBytes), manifest);
}

/** modelVersion for a caller that already has the file's sha256 (hex). */
export function modelVersionOf(sha256: string, manifest: ModelManifest | undefined): string {
  return manifest?.version ?? sha256.slice(0, 12);
}
