import type { CloudFrontRequestEvent, CloudFrontRequestResult } from "aws-lambda";
import { bundledRuntime } from "../core";
import { createEdgeHandler } from "./adapter";

const { runtime, loaded } = bundledRuntime(__dirname);
const edgeHandler = createEdgeHandler({ runtime });

export const handler = async (event: CloudFrontRequestEvent): Promise<CloudFrontRequestResult> => {
  await loaded;
  return edgeHandler(event);
};
