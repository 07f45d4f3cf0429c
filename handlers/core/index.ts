export { OipError } from "./errors";
export { silentLogger, type RuntimeLogger } from "./logger";
export type { LoadedModel, ModelSignature, TensorSpec } from "./model-registry";
export { matchRoute, type Route } from "./routes";
export {
  DEFAULT_MAX_REQUEST_BYTES,
  InferenceRuntime,
  RUNTIME_REQUEST_HEADERS,
  runtimeFrom,
  type RuntimeOptions,
  type RuntimeSource,
  type RuntimeRequest,
  type RuntimeResponse,
} from "./runtime";
export { bundledRuntime } from "./bundled-runtime";
