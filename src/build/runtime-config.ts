import type { ModelArtifact } from "../config/models";
import type { EnvironmentConfig } from "../config/schema";
import { VERSIONED_TTL_SECONDS, type RuntimeConfig, type RuntimeModelConfig } from "../../handlers/shared/runtime-config";
import { MODEL_FILE } from "../../handlers/shared/model-manifest";
import { sortKeys } from "../canonical-json";

/** The two Lambda functions the project deploys. */
export const HANDLER_FUNCTIONS = ["edge", "regional"] as const;
export type HandlerFunction = (typeof HANDLER_FUNCTIONS)[number];

export { VERSIONED_TTL_SECONDS };

/** Posix path of a model's ONNX file inside a handler bundle. */
export function bundledModelPath(modelName: string): string {
  return `models/${modelName}/${MODEL_FILE}`;
}

/**
 * Whether a function's bundle carries a model's file. The edge carries only edge models; the
 * regional API carries every model because it is also the fallback for edge models.
 */
export function carriesModel(fn: HandlerFunction, model: Pick<ModelArtifact, "serve">): boolean {
  return fn === "regional" || model.serve === "edge";
}

/**
 * What one function's bundle knows about the deployment: the models it carries, each with its
 * `modelFile`. Models it does not carry are left out rather than listed without a file, so that
 * changing a regional-only model changes the regional zip and leaves the edge zip byte-identical
 * (the edge passes requests for models it does not know on to the regional origin).
 */
export function generateRuntimeConfig(
  config: Pick<EnvironmentConfig, "cache">,
  models: readonly ModelArtifact[],
  fn: HandlerFunction,
): RuntimeConfig {
  const entries: RuntimeModelConfig[] = models
    .filter((model) => carriesModel(fn, model))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((model) => ({
      name: model.name,
      version: model.version,
      serve: model.serve,
      modelFile: bundledModelPath(model.name),
      ...(model.manifest ? { manifest: model.manifest } : {}),
    }));
  return {
    schemaVersion: 1,
    models: entries,
    cache: {
      unversionedTtlSeconds: config.cache.defaultTtlSeconds,
      versionedTtlSeconds: VERSIONED_TTL_SECONDS,
    },
  };
}

/** Stable JSON text: keys in a fixed order, so equal configs give equal bytes. */
export function serializeRuntimeConfig(runtimeConfig: RuntimeConfig): string {
  return `${JSON.stringify(sortKeys(runtimeConfig), null, 2)}\n`;
}
