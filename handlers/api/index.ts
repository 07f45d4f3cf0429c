import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { bundleRoot, InferenceRuntime, readRuntimeConfig } from "../core";
import { createApiHandler } from "./adapter";

export { API_MAX_RESPONSE_BYTES, createApiHandler, rawQueryOf, type ApiHandlerOptions } from "./adapter";

// Models load at init so the first request does not pay for it; a model that fails stays not-ready.
const root = bundleRoot(__dirname);
const runtime = new InferenceRuntime({ config: readRuntimeConfig(root), root });
const loaded = runtime.loadAll();
const apiHandler = createApiHandler({ runtime });

export const handler = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
  await loaded;
  return apiHandler(event, context);
};
