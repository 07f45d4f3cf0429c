import { InferenceRuntime } from "./runtime";
import { bundleRoot, readRuntimeConfig } from "./runtime-config-file";

/**
 * The runtime of a deployed Lambda bundle: configuration from runtime-config.json beside index.js
 * (Lambda@Edge has no environment variables), every model starting to load at init so the first
 * request does not pay for it. A model that fails to load stays not-ready; `loaded` never rejects.
 */
export function bundledRuntime(bundleDirectory: string): { runtime: InferenceRuntime; loaded: Promise<unknown> } {
  const root = bundleRoot(bundleDirectory);
  const runtime = new InferenceRuntime({ config: readRuntimeConfig(root), root });
  return { runtime, loaded: runtime.loadAll() };
}
