import { createHash } from "node:crypto";
import { z } from "zod";

/**
 * `models/<name>/model.json` is optional and may only add to what the ONNX file declares:
 * it can never rename, retype or reshape an input or output.
 */
export const modelManifestSchema = z.strictObject({
  version: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: "must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'" })
    .optional(),
  description: z.string().max(1024).optional(),
  /** Class names for an output that carries class indices or per-class scores, keyed by output name. */
  labels: z.record(z.string(), z.array(z.string()).min(1)).optional(),
  /** Outputs returned when a request names none; all returnable outputs when omitted. */
  defaultOutputs: z.array(z.string()).min(1).optional(),
});

export type ModelManifest = z.infer<typeof modelManifestSchema>;

export const MODEL_FILE = "model.onnx";
export const MANIFEST_FILE = "model.json";

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The manifest's version when it names one, else the first 12 hex digits of the model file's sha256. */
export function modelVersion(modelBytes: Uint8Array, manifest: ModelManifest | undefined): string {
  return manifest?.version ?? sha256Hex(modelBytes).slice(0, 12);
}
