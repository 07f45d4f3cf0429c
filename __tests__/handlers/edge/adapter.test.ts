import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { CloudFrontRequestEvent, CloudFrontResultResponse } from "aws-lambda";
import type { InferenceRuntime } from "../../../handlers/core";
import { createEdgeHandler, isForbiddenEdgeHeader } from "../../../handlers/edge/adapter";
import { EVENTS, readJson, testRuntime } from "../fixtures";

let runtime: InferenceRuntime;
beforeAll(async () => {
  runtime = await testRuntime().loadAll();
});

const loadEvent = (path: string) => readJson<CloudFrontRequestEvent>(path);
const cloudFrontFixtures = [
  ...readdirSync(EVENTS).filter((file) => file.startsWith("cloudfront-")).map((file) => join(EVENTS, file)),
  ...readdirSync(join(EVENTS, "sam-cli/rendered")).filter((file) => file.startsWith("cloudfront-")).map((file) => join(EVENTS, "sam-cli/rendered", file)),
];

function originRequest(method: string, uri: string, options: { querystring?: string; body?: unknown; truncated?: boolean } = {}): CloudFrontRequestEvent {
  const event = loadEvent(join(EVENTS, "derived/cloudfront-origin-request-oip-metadata-get.json"));
  const request = event.Records[0].cf.request;
  Object.assign(request, { method, uri, querystring: options.querystring ?? "" });
  if (options.body !== undefined) {
    request.headers["content-type"] = [{ key: "Content-Type", value: "application/json" }];
    request.body = {
      action: "read-only",
      encoding: "base64",
      inputTruncated: options.truncated ?? false,
      data: Buffer.from(JSON.stringify(options.body)).toString("base64"),
    };
  }
  return event;
}

function expectGenerated(result: unknown): CloudFrontResultResponse & { json: any } {
  const response = result as CloudFrontResultResponse;
  expect(typeof response.status).toBe("string");
  expect(response.bodyEncoding).toBe("text");
  for (const [name, values] of Object.entries(response.headers ?? {})) {
    expect(name).toBe(name.toLowerCase());
    expect(isForbiddenEdgeHeader(name)).toBe(false);
    for (const header of values) expect(header.key?.toLowerCase()).toBe(name);
  }
  return { ...response, json: JSON.parse(response.body ?? "null") };
}

describe("edge adapter with the fixture events", () => {
  const handler = () => createEdgeHandler({ runtime });

  it.each(cloudFrontFixtures.map((path) => [path.slice(EVENTS.length + 1), path]))("passes %s through to the origin unchanged", async (_, path) => {
    const event = loadEvent(path);
    const before = JSON.stringify(event.Records[0].cf.request);
    const result = await handler()(event);
    expect(result).toBe(event.Records[0].cf.request);
    expect(JSON.stringify(result)).toBe(before);
  });

  it("answers the derived metadata GET for rf_iris", async () => {
    const response = expectGenerated(await handler()(loadEvent(join(EVENTS, "derived/cloudfront-origin-request-oip-metadata-get.json"))));
    expect(response.status).toBe("200");
    expect(response.json).toMatchObject({ name: "rf_iris", inputs: [{ name: "float_input", datatype: "FP32", shape: [-1, 4] }] });
    expect(response.headers?.["cache-control"]).toEqual([{ key: "Cache-Control", value: "public, max-age=300" }]);
  });

  it("predicts the three iris species from the derived infer POST", async () => {
    const response = expectGenerated(await handler()(loadEvent(join(EVENTS, "derived/cloudfront-origin-request-oip-infer-post.json"))));
    expect(response.status).toBe("200");
    expect(response.json).toMatchObject({ model_name: "rf_iris", id: "rf_iris-1", outputs: [{ name: "output_label", datatype: "INT64", shape: [3], data: [0, 1, 2] }] });
  });

  it("never infers on a truncated body: passes it to the regional origin, or 413 without one", async () => {
    const event = loadEvent(join(EVENTS, "derived/cloudfront-origin-request-oip-infer-truncated.json"));
    expect(await handler()(event)).toBe(event.Records[0].cf.request);
    const edgeOnly = createEdgeHandler({ runtime, regionalFallback: false });
    const response = expectGenerated(await edgeOnly(event));
    expect(response.status).toBe("413");
    expect(response.json.error).toMatch(/larger than the 1 MB/);
    expect(response.headers?.["cache-control"]?.[0].value).toBe("no-store");
  });

  it("passes requests for regional-only models through", async () => {
    const event = originRequest("GET", "/v2/models/regional_only");
    expect(await handler()(event)).toBe(event.Records[0].cf.request);
  });

  it("answers the cacheable GET form with immutable caching on versioned paths", async () => {
    const version = runtime.registry.configOf("rf_iris")!.version;
    const event = originRequest("GET", `/v2/models/rf_iris/versions/${version}/infer`, { querystring: "float_input=6.9,3.2,5.7,2.3" });
    const response = expectGenerated(await handler()(event));
    expect(response.status).toBe("200");
    expect(response.json.outputs.find((output: { name: string }) => output.name === "output_label").data).toEqual([2]);
    expect(response.headers?.["cache-control"]?.[0].value).toBe("public, max-age=31536000, immutable");
  });

  it("passes a model this bundle does not carry on to the regional origin", async () => {
    const event = originRequest("POST", "/v2/models/nope/infer", { body: { inputs: [] } });
    expect(await handler()(event)).toBe(event.Records[0].cf.request);
  });

  it("answers errors with an OIP error body and no-store", async () => {
    const edgeOnly = createEdgeHandler({ runtime, regionalFallback: false });
    const response = expectGenerated(await edgeOnly(originRequest("POST", "/v2/models/nope/infer", { body: { inputs: [] } })));
    expect(response.status).toBe("404");
    expect(response.json).toEqual({ error: "unknown model 'nope'" });
    const wrongMethod = expectGenerated(await handler()(originRequest("DELETE", "/v2/models/mnist")));
    expect(wrongMethod.status).toBe("405");
    expect(wrongMethod.headers?.allow).toEqual([{ key: "Allow", value: "GET" }]);
  });

  it("keeps generated responses within 1 MB: too large goes to the origin, or 413 without one", async () => {
    const data = new Array(100_000).fill(0.1);
    const event = originRequest("POST", "/v2/models/dynamic/infer", { body: { inputs: [{ name: "x", datatype: "FP32", shape: [1, data.length], data }] } });
    expect(await handler()(event)).toBe(event.Records[0].cf.request);
    const response = expectGenerated(await createEdgeHandler({ runtime, regionalFallback: false })(event));
    expect(response.status).toBe("413");
  });
});
