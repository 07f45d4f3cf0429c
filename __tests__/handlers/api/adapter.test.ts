import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { APIGatewayProxyEvent } from "aws-lambda";
import type { InferenceRuntime } from "../../../handlers/core";
import { createApiHandler } from "../../../handlers/api/adapter";
import { EVENTS, mnistSamples, readJson, testRuntime } from "../fixtures";

let runtime: InferenceRuntime;
beforeAll(async () => {
  runtime = await testRuntime().loadAll();
});

const loadEvent = (path: string) => readJson<APIGatewayProxyEvent>(path);
const apiFixtures = [
  ...readdirSync(EVENTS).filter((file) => file.startsWith("apigw-")).map((file) => join(EVENTS, file)),
  join(EVENTS, "sam-cli/rendered/apigateway-aws-proxy.default.json"),
];

describe("API Gateway adapter with the fixture events", () => {
  const handler = () => createApiHandler({ runtime });

  it.each(apiFixtures.map((path) => [path.slice(EVENTS.length + 1), path]))("answers %s (not an OIP route) with a 404 OIP error", async (_, path) => {
    const result = await handler()(loadEvent(path));
    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body)).toEqual({ error: expect.stringContaining("no Open Inference Protocol route") });
    expect(result.headers?.["cache-control"]).toBe("no-store");
  });

  it.each([["plain body", "apigw-rest-proxy-oip-infer-post.json"], ["base64 body", "apigw-rest-proxy-oip-infer-post.sam-rendered.json"]])(
    "predicts the iris species from the derived infer POST (%s)",
    async (_, file) => {
      const result = await handler()(loadEvent(join(EVENTS, "derived", file)));
      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body)).toMatchObject({ id: "rf_iris-1", outputs: [{ name: "output_label", datatype: "INT64", shape: [3], data: [0, 1, 2] }] });
    },
  );

  it("copes with the console-test event's null headers on an OIP route", async () => {
    const event = loadEvent(join(EVENTS, "apigw-rest-console-test.powertools-ts.json"));
    const result = await handler()({ ...event, httpMethod: "GET", path: "/v2/health/live" });
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ live: true });
  });

  it("reads the GET form from multiValueQueryStringParameters and rejects repeated inputs", async () => {
    const event = loadEvent(join(EVENTS, "apigw-rest-proxy-get.aws-lambda-developer-guide.json"));
    const { pixels, label } = mnistSamples()[11];
    const get = await handler()({ ...event, path: "/v2/models/mnist/infer", body: null, queryStringParameters: null, multiValueQueryStringParameters: { Input3: [pixels.join(",")], other: ["x"] } });
    expect(get.statusCode).toBe(200);
    const logits: number[] = JSON.parse(get.body).outputs[0].data;
    expect(logits.indexOf(Math.max(...logits))).toBe(label);
    const repeated = await handler()({ ...event, path: "/v2/models/mnist/infer", multiValueQueryStringParameters: { Input3: [pixels.join(","), pixels.join(",")] } });
    expect(repeated.statusCode).toBe(400);
    expect(JSON.parse(repeated.body).error).toMatch(/given more than once/);
  });

  it("answers 413 for a body over Lambda's 6 MB payload limit", async () => {
    const event = loadEvent(join(EVENTS, "derived/apigw-rest-proxy-oip-infer-post.json"));
    const result = await handler()({ ...event, body: " ".repeat(6 * 1024 * 1024 + 1) });
    expect(result.statusCode).toBe(413);
    expect(JSON.parse(result.body).error).toMatch(/at most/);
  });
});
