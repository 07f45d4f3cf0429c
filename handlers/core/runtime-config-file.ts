import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RUNTIME_CONFIG_FILE, type RuntimeConfig } from "../shared/runtime-config";

/**
 * Checks the shape of a parsed runtime-config.json. The build generated it from a validated config,
 * so this guards against a mismatched or hand-edited file rather than re-validating every field.
 */
function parseRuntimeConfig(raw: unknown, source: string): RuntimeConfig {
  const problems: string[] = [];
  const config = raw as Partial<RuntimeConfig> | null;
  if (config === null || typeof config !== "object") problems.push("(root): expected an object");
  else {
    if (config.schemaVersion !== 1) problems.push(`schemaVersion: expected 1, got ${JSON.stringify(config.schemaVersion)}`);
    if (!Array.isArray(config.models)) problems.push("models: expected an array");
    else {
      config.models.forEach((model, index) => {
        if (typeof model?.name !== "string" || typeof model.version !== "string") problems.push(`models.${index}: expected a name and a version`);
        else if (model.serve !== "edge" && model.serve !== "regional") problems.push(`models.${index}.serve: expected "edge" or "regional"`);
      });
    }
    const cache = config.cache;
    if (typeof cache?.unversionedTtlSeconds !== "number" || typeof cache.versionedTtlSeconds !== "number") {
      problems.push("cache: expected unversionedTtlSeconds and versionedTtlSeconds");
    }
  }
  if (problems.length > 0) throw new Error(`${source} is not a valid runtime config:\n${problems.map((problem) => `  ${problem}`).join("\n")}`);
  return config as RuntimeConfig;
}

/** The bundle root: LAMBDA_TASK_ROOT on Lambda, else the directory of the bundled index.js. */
export function bundleRoot(fallback: string): string {
  return process.env.LAMBDA_TASK_ROOT ?? fallback;
}

/** Reads `runtime-config.json` at the bundle root; model files are relative to that root. */
export function readRuntimeConfig(root: string): RuntimeConfig {
  const path = join(root, RUNTIME_CONFIG_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
  return parseRuntimeConfig(raw, path);
}
