import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { APIGatewayProxyEvent, CloudFrontRequestEvent, CloudFrontResultResponse, Context } from "aws-lambda";
import { RUNTIME_CONFIG_FILE, type RuntimeConfig } from "../../handlers/shared/runtime-config";
import { CACHE, EVENTS, FIXTURE_MODELS, readJson } from "./fixtures";

describe("Lambda entry points", () => {
  const previousRoot = process.env.LAMBDA_TASK_ROOT;
  beforeAll(() => {
    const root = mkdtempSync(join(tmpdir(), "edge-inference-bundle-"));
    const config: RuntimeConfig = {
      schemaVersion: 1,
      models: [{ name: "matmul", version: "v1", serve: "edge", modelFile: join(FIXTURE_MODELS, "ort-quickstart-matmul.onnx") }],
      cache: CACHE,
    };
    writeFileSync(join(root, RUNTIME_CONFIG_FILE), JSON.stringify(config));
    process.env.LAMBDA_TASK_ROOT = root;
  });
  afterAll(() => {
    if (previousRoot === undefined) delete process.env.LAMBDA_TASK_ROOT;
    else process.env.LAMBDA_TASK_ROOT = previousRoot;
  });

  it("edge handler reads runtime-config.json from LAMBDA_TASK_ROOT and serves its models", async () => {
    const { handler } = await import("../../handlers/edge/index");
    const event = readJson<CloudFrontRequestEvent>(join(EVENTS, "derived/cloudfront-origin-request-oip-metadata-get.json"));
    Object.assign(event.Records[0].cf.request, { uri: "/v2/models/matmul/versions/v1" });
    const response = (await handler(event)) as CloudFrontResultResponse;
    expect(response.status).toBe("200");
    expect(JSON.parse(response.body as string)).toMatchObject({ name: "matmul", versions: ["v1"] });
  });

  it("API handler reads the same file", async () => {
    const { handler } = await import("../../handlers/api/index");
    const event = readJson<APIGatewayProxyEvent>(join(EVENTS, "apigw-rest-proxy-get.aws-lambda-developer-guide.json"));
    const response = await handler({ ...event, path: "/v2/models/matmul/ready" }, {} as Context);
    expect(JSON.parse(response.body)).toEqual({ name: "matmul", ready: true });
  });
});
