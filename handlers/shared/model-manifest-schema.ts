import { z } from "zod";
import type { ModelManifest } from "./model-manifest";

export const modelManifestSchema = z.strictObject({
  version: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: "must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-'" })
    .optional(),
  description: z.string().max(1024).optional(),
  labels: z.record(z.string(), z.array(z.string()).min(1)).optional(),
  defaultOutputs: z.array(z.string()).min(1).optional(),
}) satisfies z.ZodType<ModelManifest>;
