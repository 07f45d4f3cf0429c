import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { MANIFEST_FILE, MODEL_FILE, modelVersion, type ModelManifest } from "../shared/model-manifest";
import { modelManifestSchema } from "../shared/model-manifest-schema";
import { VERSIONED_TTL_SECONDS, type RuntimeConfig, type RuntimeModelConfig } from "../shared/runtime-config";

// Local development only (tests, the local server): deployed bundles get their config from the
// build, so this module and zod stay out of the Lambda zips.

export const LOCAL_CACHE_DEFAULTS: RuntimeConfig["cache"] = { unversionedTtlSeconds: 60, versionedTtlSeconds: VERSIONED_TTL_SECONDS };

/** The runtime entry for one model file, versioned as the build versions it (manifest, else sha256). */
export function modelConfigFromFile(
  root: string,
  name: string,
  modelFile: string,
  options: { serve?: "edge" | "regional"; manifest?: ModelManifest } = {},
): RuntimeModelConfig {
  const bytes = readFileSync(resolve(root, modelFile));
  const manifest = options.manifest === undefined ? undefined : modelManifestSchema.parse(options.manifest);
  return { name, version: modelVersion(bytes, manifest), serve: options.serve ?? "edge", modelFile, ...(manifest ? { manifest } : {}) };
}

/**
 * A RuntimeConfig for a local `models/` directory: every folder holding a model.onnx, with its
 * optional model.json. For tests and the local server; the deployed config comes from the build.
 */
export function runtimeConfigForModelsDir(
  modelsDir: string,
  options: { cache?: RuntimeConfig["cache"]; serve?: "edge" | "regional" } = {},
): { config: RuntimeConfig; root: string; problems: string[] } {
  const models: RuntimeModelConfig[] = [];
  const problems: string[] = [];
  const names = existsSync(modelsDir) ? readdirSync(modelsDir).sort() : [];
  for (const name of names) {
    const directory = join(modelsDir, name);
    if (!statSync(directory).isDirectory() || !existsSync(join(directory, MODEL_FILE))) continue;
    if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(name)) {
      problems.push(`${directory}: model names must be a-z, 0-9, '_' or '-'; skipped`);
      continue;
    }
    let manifest: ModelManifest | undefined;
    const manifestPath = join(directory, MANIFEST_FILE);
    if (existsSync(manifestPath)) {
      const parsed = modelManifestSchema.safeParse(safeJson(manifestPath));
      if (!parsed.success) {
        problems.push(`${manifestPath}: ${parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; ")}; skipped`);
        continue;
      }
      manifest = parsed.data;
    }
    models.push(modelConfigFromFile(modelsDir, name, `${name}/${MODEL_FILE}`, { serve: options.serve, manifest }));
  }
  return { config: { schemaVersion: 1, models, cache: options.cache ?? LOCAL_CACHE_DEFAULTS }, root: modelsDir, problems };
}

function safeJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    return { invalidJson: (error as Error).message };
  }
}
