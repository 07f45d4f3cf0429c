export { OipError } from "./errors";
export { createLogger, silentLogger, type RuntimeLogger } from "./logger";
export { ModelRegistry, type LoadedModel, type ModelSignature, type TensorSpec } from "./model-registry";
export { matchRoute, type Route } from "./routes";
export {
  DEFAULT_MAX_REQUEST_BYTES,
  InferenceRuntime,
  type RuntimeOptions,
  type RuntimeRequest,
  type RuntimeResponse,
} from "./runtime";
export { bundleRoot, parseRuntimeConfig, readRuntimeConfig } from "./runtime-config-file";
