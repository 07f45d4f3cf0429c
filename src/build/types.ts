import type { RuntimeConfig } from "../../handlers/shared/runtime-config";
import type { HandlerFunction } from "./runtime-config";

/** One built handler zip, ready to hand to Terraform. */
export interface HandlerBundle {
  readonly fn: HandlerFunction;
  /** Absolute path of the deterministic zip in the build cache. */
  readonly zipPath: string;
  /** Absolute path of the bundle's source map, kept beside the zip and never inside it. */
  readonly sourceMapPath: string;
  readonly sha256Hex: string;
  /** Base64 sha256 of the zip: Lambda's CodeSha256 and aws_lambda_function.source_code_hash. */
  readonly sourceCodeHash: string;
  readonly zipBytes: number;
  readonly unzippedBytes: number;
  readonly fileCount: number;
  /** Lambda's handler setting. */
  readonly handler: string;
  readonly runtimeConfig: RuntimeConfig;
  /** True when the zip was reused because no input changed. */
  readonly cached: boolean;
}

export type HandlerBundles = Readonly<Record<HandlerFunction, HandlerBundle>>;
