import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { bundledRuntime } from "../core";
import { createApiHandler } from "./adapter";

const { runtime, loaded } = bundledRuntime(__dirname);
const apiHandler = createApiHandler({ runtime });

export const handler = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
  await loaded;
  return apiHandler(event, context);
};
