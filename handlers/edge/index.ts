import type { CloudFrontRequestEvent, CloudFrontRequestResult } from "aws-lambda";
import { bundleRoot, InferenceRuntime, readRuntimeConfig } from "../core";
import { createEdgeHandler } from "./adapter";

export { createEdgeHandler, EDGE_FORBIDDEN_HEADERS, EDGE_MAX_RESPONSE_BYTES, isForbiddenEdgeHeader, type EdgeHandlerOptions } from "./adapter";

// Lambda@Edge has no environment variables: configuration comes from runtime-config.json beside
// index.js, and models load at init so the first request does not pay for it.
const root = bundleRoot(__dirname);
const runtime = new InferenceRuntime({ config: readRuntimeConfig(root), root });
const loaded = runtime.loadAll();
const edgeHandler = createEdgeHandler({ runtime });

export const handler = async (event: CloudFrontRequestEvent): Promise<CloudFrontRequestResult> => {
  await loaded;
  return edgeHandler(event);
};
