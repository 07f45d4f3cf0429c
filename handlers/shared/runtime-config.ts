import type { ModelManifest } from "./model-manifest";

/**
 * What a handler bundle knows about its deployment. Lambda@Edge allows no environment variables,
 * so the build writes this as `runtime-config.json` at the bundle root and the handler reads it at init.
 */
export interface RuntimeModelConfig {
  readonly name: string;
  readonly version: string;
  readonly serve: "edge" | "regional";
  /** Posix path of model.onnx relative to the bundle root; absent when this bundle does not carry the model. */
  readonly modelFile?: string;
  readonly manifest?: ModelManifest;
}

export interface RuntimeConfig {
  readonly schemaVersion: 1;
  readonly models: readonly RuntimeModelConfig[];
  readonly cache: {
    /** Cache-Control max-age for unversioned OIP paths. */
    readonly unversionedTtlSeconds: number;
    /** Cache-Control max-age (with `immutable`) for `/versions/{v}` paths. */
    readonly versionedTtlSeconds: number;
  };
}

export const RUNTIME_CONFIG_FILE = "runtime-config.json";

/** A versioned path names exact model bytes, so its response may be cached for CloudFront's maximum of one year. */
export const VERSIONED_TTL_SECONDS = 31_536_000;
