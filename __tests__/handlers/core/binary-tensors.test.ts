import type { APIGatewayProxyEvent, CloudFrontRequestEvent, CloudFrontResultResponse } from "aws-lambda";
import * as ort from "onnxruntime-node";
import { join } from "node:path";
import { request as httpRequest } from "node:http";
import { createApiHandler } from "../../../handlers/api/adapter";
import type { InferenceRuntime, RuntimeResponse } from "../../../handlers/core";
import { tensorFromBinary } from "../../../handlers/core/binary-tensors";
import { DEFAULT_SESSION_OPTIONS } from "../../../handlers/core/model-registry";
import { createEdgeHandler } from "../../../handlers/edge/adapter";
import { startHttpServer } from "../../../handlers/http";
import {
  bodyText,
  decodeTritonResponse,
  EVENTS,
  FIXTURE_MODELS,
  mnistSamples,
  readJson,
  serializeByteTensor,
  testRuntime,
  tritonRequest,
  type TritonInput,
} from "../fixtures";

let runtime: InferenceRuntime;
beforeAll(async () => {
  runtime = await testRuntime().loadAll();
});

const infer = (model: string, body: Uint8Array | string, headers: Record<string, string>) =>
  runtime.handle({ method: "POST", path: `/v2/models/${model}/infer`, headers, body });

function decoded(response: RuntimeResponse) {
  expect(response.status).toBe(200);
  expect(response.headers["content-type"]).toBe("application/octet-stream");
  expect(typeof response.body).not.toBe("string");
  return decodeTritonResponse(response.body as Uint8Array, Number(response.headers["inference-header-content-length"]));
}

const mnistInput = (index: number): TritonInput => ({
  name: "Input3",
  datatype: "FP32",
  shape: [1, 1, 28, 28],
  data: Float32Array.from(mnistSamples()[index].pixels),
});

const titanicInputs = (binary: Partial<Record<string, boolean>> = {}): TritonInput[] => [
  { name: "pclass", datatype: "INT64", shape: [2, 1], data: BigInt64Array.from([1n, 3n]), binary: binary.pclass },
  { name: "sex", datatype: "BYTES", shape: [2, 1], data: ["female", "male"], binary: binary.sex },
  { name: "age", datatype: "FP32", shape: [2, 1], data: Float32Array.from([29, 40]), binary: binary.age },
  { name: "fare", datatype: "FP32", shape: [2, 1], data: Float32Array.from([211.3, 7.9]), binary: binary.fare },
  { name: "embarked", datatype: "BYTES", shape: [2, 1], data: ["S", "Q"], binary: binary.embarked },
];

describe("binary tensor requests built as tritonclient builds them", () => {
  it("FP32 (mnist): binary in, binary out by default, identical to raw session.run", async () => {
    const sample = mnistSamples()[3];
    const { body, headers } = tritonRequest([mnistInput(3)], { id: "digit-3" });
    const { header, outputs } = decoded(await infer("mnist", body, headers));
    expect(header).toMatchObject({ model_name: "mnist", id: "digit-3" });
    expect(outputs.map(({ name, datatype, shape, binary }) => ({ name, datatype, shape, binary }))).toEqual([
      { name: "Plus214_Output_0", datatype: "FP32", shape: [1, 10], binary: true },
    ]);

    const session = await ort.InferenceSession.create(join(FIXTURE_MODELS, "mnist.onnx"), DEFAULT_SESSION_OPTIONS);
    const raw = await session.run({ Input3: new ort.Tensor("float32", Float32Array.from(sample.pixels), [1, 1, 28, 28]) });
    await session.release();
    expect(outputs[0].data).toEqual(Array.from(raw.Plus214_Output_0.data as Float32Array));
    const logits = outputs[0].data as number[];
    expect(logits.indexOf(Math.max(...logits))).toBe(sample.label);
  });

  it("INT64 and BYTES (titanic): binary inputs, a JSON and a binary output, same answer as JSON", async () => {
    const { body, headers } = tritonRequest(titanicInputs(), { outputs: [{ name: "label", binary: false }, { name: "probabilities", binary: true }] });
    const { outputs } = decoded(await infer("titanic", body, headers));
    const [label, probabilities] = outputs;
    expect(label).toEqual({ name: "label", datatype: "INT64", shape: [2], data: [1, 0], binary: false });
    expect(probabilities).toMatchObject({ name: "probabilities", datatype: "FP32", shape: [2, 2], binary: true });

    const json = tritonRequest(titanicInputs({ pclass: false, sex: false, age: false, fare: false, embarked: false }), {
      outputs: [{ name: "probabilities", binary: false }],
    });
    expect(json.headers).toEqual({});
    const asJson = await infer("titanic", json.body, json.headers);
    expect(asJson.status).toBe(200);
    expect(JSON.parse(bodyText(asJson)).outputs[0].data).toEqual(probabilities.data);
  });

  it("BOOL: one byte per element, 0 or 1", async () => {
    const { body, headers } = tritonRequest([{ name: "flags", datatype: "BOOL", shape: [2, 3], data: Uint8Array.from([1, 0, 0, 0, 1, 1]) }]);
    const { outputs } = decoded(await infer("boolean_not", body, headers));
    expect(outputs[0]).toEqual({ name: "inverted", datatype: "BOOL", shape: [2, 3], data: [0, 1, 1, 1, 0, 0], binary: true });
  });

  it("mixes JSON and binary inputs in one request", async () => {
    const mixed = tritonRequest(titanicInputs({ pclass: false, embarked: false }), { outputs: [{ name: "label", binary: false }] });
    const response = await infer("titanic", mixed.body, mixed.headers);
    expect(response.status).toBe(200);
    // Only JSON outputs were asked for, so the answer is plain JSON even though the request was binary.
    expect(response.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(bodyText(response)).outputs).toEqual([{ name: "label", datatype: "INT64", shape: [2], data: [1, 0] }]);
  });

  it("returns BYTES and INT64 outputs in binary too", async () => {
    const { body, headers } = tritonRequest(titanicInputs(), { outputs: [{ name: "label" }] });
    const { outputs } = decoded(await infer("titanic", body, headers));
    expect(outputs[0]).toEqual({ name: "label", datatype: "INT64", shape: [2], data: [1n, 0n], binary: true });
  });

  it("accepts a raw binary request (header length 0) for a single-input model", async () => {
    const pixels = Float32Array.from(mnistSamples()[7].pixels);
    const response = await infer("mnist", Buffer.from(pixels.buffer), { "inference-header-content-length": "0" });
    const { outputs } = decoded(response);
    const logits = outputs[0].data as number[];
    expect(logits.indexOf(Math.max(...logits))).toBe(mnistSamples()[7].label);
  });
});

describe("zero copy", () => {
  it("views the received bytes when aligned and copies once when not", () => {
    const buffer = new ArrayBuffer(4 * 5);
    new Float32Array(buffer).set([1, 2, 3, 4, 5]);
    const aligned = new Uint8Array(buffer, 4, 12);
    const view = tensorFromBinary("x", "FP32", [3], 3, aligned);
    expect((view.data as Float32Array).buffer).toBe(buffer);
    expect(Array.from(view.data as Float32Array)).toEqual([2, 3, 4]);

    const shifted = new Uint8Array(new ArrayBuffer(13));
    shifted.set(new Uint8Array(buffer, 4, 12), 1);
    const copy = tensorFromBinary("x", "FP32", [3], 3, shifted.subarray(1));
    expect((copy.data as Float32Array).buffer).not.toBe(shifted.buffer);
    expect(Array.from(copy.data as Float32Array)).toEqual([2, 3, 4]);

    // A Buffer at an odd offset, as Node's pooled small Buffers often are: Buffer#slice would not copy.
    const pooled = Buffer.alloc(13);
    pooled.set(new Uint8Array(buffer, 4, 12), 1);
    expect(Array.from(tensorFromBinary("x", "FP32", [3], 3, pooled.subarray(1)).data as Float32Array)).toEqual([2, 3, 4]);
  });
});

describe("adapters", () => {
  it("CloudFront origin-request: base64 body in, base64 bodyEncoding out, round trip intact", async () => {
    const event = readJson<CloudFrontRequestEvent>(join(EVENTS, "derived/cloudfront-origin-request-oip-infer-post.json"));
    const request = event.Records[0].cf.request;
    const { body, jsonSize } = tritonRequest([mnistInput(1)]);
    request.uri = "/v2/models/mnist/infer";
    delete request.headers["content-type"];
    request.headers["inference-header-content-length"] = [{ key: "Inference-Header-Content-Length", value: String(jsonSize) }];
    request.body = { action: "read-only", encoding: "base64", inputTruncated: false, data: body.toString("base64") };

    const edge = createEdgeHandler({ runtime, regionalFallback: false });
    const response = (await edge(event)) as CloudFrontResultResponse;
    expect(response.status).toBe("200");
    expect(response.bodyEncoding).toBe("base64");
    expect(response.headers?.["content-type"]).toEqual([{ key: "Content-Type", value: "application/octet-stream" }]);
    const headerLength = Number(response.headers?.["inference-header-content-length"]?.[0].value);
    const { outputs } = decodeTritonResponse(Buffer.from(response.body as string, "base64"), headerLength);
    const logits = outputs[0].data as number[];
    expect(logits.indexOf(Math.max(...logits))).toBe(mnistSamples()[1].label);
  });

  it("CloudFront origin-request: the reused decode buffer never mixes requests, one at a time or overlapping", async () => {
    const template = readJson<CloudFrontRequestEvent>(join(EVENTS, "derived/cloudfront-origin-request-oip-infer-post.json"));
    const edgeEvent = (model: string, inputs: TritonInput[]) => {
      const event = structuredClone(template);
      const request = event.Records[0].cf.request;
      const { body, jsonSize } = tritonRequest(inputs);
      request.uri = `/v2/models/${model}/infer`;
      delete request.headers["content-type"];
      request.headers["inference-header-content-length"] = [{ key: "Inference-Header-Content-Length", value: String(jsonSize) }];
      request.body = { action: "read-only", encoding: "base64", inputTruncated: false, data: body.toString("base64") };
      return { event, body, jsonSize };
    };
    const edge = createEdgeHandler({ runtime, regionalFallback: false });
    // Each answer must equal what the core gives for the same bytes, handed over in a buffer of their own.
    const check = async (model: string, inputs: TritonInput[]) => {
      const { event, body, jsonSize } = edgeEvent(model, inputs);
      const response = (await edge(event)) as CloudFrontResultResponse;
      const expected = await infer(model, Buffer.from(body), { "inference-header-content-length": String(jsonSize) });
      expect([response.status, response.status === "200" ? "" : response.body]).toEqual(["200", ""]);
      expect(response.body).toBe(Buffer.from(expected.body as Uint8Array).toString("base64"));
    };
    const samples = mnistSamples();
    // Small, large, small again: a request shorter than the buffer must not see the previous one's tail.
    await check("mnist", [mnistInput(2)]);
    const rows = 600;
    const column = <T,>(make: (row: number) => T) => Array.from({ length: rows }, (_, row) => make(row));
    await check("titanic", [
      { name: "pclass", datatype: "INT64", shape: [rows, 1], data: BigInt64Array.from(column((row) => BigInt(1 + (row % 3)))), binary: true },
      { name: "sex", datatype: "BYTES", shape: [rows, 1], data: column((row) => (row % 2 ? "male" : "female")), binary: true },
      { name: "age", datatype: "FP32", shape: [rows, 1], data: Float32Array.from(column((row) => 1 + (row % 70))), binary: true },
      { name: "fare", datatype: "FP32", shape: [rows, 1], data: Float32Array.from(column((row) => 5 + (row % 200))), binary: true },
      { name: "embarked", datatype: "BYTES", shape: [rows, 1], data: column((row) => "SCQ"[row % 3]), binary: true },
    ]);
    await check("titanic", titanicInputs({ pclass: true, sex: true, age: true, fare: true, embarked: true }));
    await check("mnist", [mnistInput(4)]);
    // Overlapping requests (a local server): each takes the spare buffer or a fresh one.
    await Promise.all(samples.map((_, index) => check("mnist", [mnistInput(index)])));
  });

  it("API Gateway: a base64 request (binary media type) gets an isBase64Encoded answer", async () => {
    const event = readJson<APIGatewayProxyEvent>(join(EVENTS, "derived/apigw-rest-proxy-oip-infer-post.json"));
    const { body, headers } = tritonRequest([{ name: "flags", datatype: "BOOL", shape: [1, 3], data: Uint8Array.from([0, 1, 0]) }]);
    Object.assign(event, {
      path: "/v2/models/boolean_not/infer",
      httpMethod: "POST",
      headers: { ...headers, "Content-Type": "application/octet-stream" },
      multiValueHeaders: null,
      isBase64Encoded: true,
      body: body.toString("base64"),
    });
    const result = await createApiHandler({ runtime })(event);
    expect(result.statusCode).toBe(200);
    expect(result.isBase64Encoded).toBe(true);
    const headerLength = Number((result.headers as Record<string, string>)["inference-header-content-length"]);
    expect(decodeTritonResponse(Buffer.from(result.body, "base64"), headerLength).outputs[0].data).toEqual([1, 0, 1]);
  });

  it("plain HTTP: real bytes over a socket", async () => {
    const server = await startHttpServer({ runtime });
    try {
      const { body, headers } = tritonRequest(titanicInputs(), { outputs: [{ name: "label" }] });
      const reply = await new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
        const request = httpRequest(`${server.url}/v2/models/titanic/infer`, { method: "POST", headers }, (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
        });
        request.on("error", reject);
        request.end(body);
      });
      expect(reply.status).toBe(200);
      expect(reply.headers["content-length"]).toBe(String(reply.body.length));
      const { outputs } = decodeTritonResponse(reply.body, Number(reply.headers["inference-header-content-length"]));
      expect(outputs[0].data).toEqual([1n, 0n]);
    } finally {
      await server.close();
    }
  });
});

describe("a repeated JSON header (its validated plan is remembered)", () => {
  // A fresh runtime per test, so no plan is left over from another test.
  let fresh: InferenceRuntime;
  beforeEach(async () => {
    fresh = await testRuntime().loadAll();
  });
  const send = (model: string, request: { body: Buffer; headers: Record<string, string> }) =>
    fresh.handle({ method: "POST", path: `/v2/models/${model}/infer`, headers: request.headers, body: request.body });
  const boolRequest = (bytes: number[]) => tritonRequest([{ name: "flags", datatype: "BOOL", shape: [1, 3], data: Uint8Array.from(bytes) }]);

  it("answers each request from its own bytes, the same as the JSON form", async () => {
    const samples = mnistSamples();
    const headers = new Set<string>();
    for (let index = 0; index < samples.length; index++) {
      const request = tritonRequest([mnistInput(index)]);
      headers.add(request.body.subarray(0, request.jsonSize).toString("utf8"));
      const { outputs } = decoded(await send("mnist", request));
      const asJson = await send("mnist", tritonRequest([{ ...mnistInput(index), binary: false }], { outputs: [{ name: "Plus214_Output_0", binary: false }] }));
      expect(outputs[0].data).toEqual(JSON.parse(bodyText(asJson)).outputs[0].data);
    }
    expect(headers.size).toBe(1);
  });

  it("parses a repeated header once, and a changed one again", async () => {
    const parse = jest.spyOn(JSON, "parse");
    try {
      const parsesFor = async (request: { body: Buffer; headers: Record<string, string> }) => {
        parse.mockClear();
        expect((await send("mnist", request)).status).toBe(200);
        return parse.mock.calls.length;
      };
      expect(await parsesFor(tritonRequest([mnistInput(0)]))).toBe(1);
      expect(await parsesFor(tritonRequest([mnistInput(1)]))).toBe(0);
      expect(await parsesFor(tritonRequest([mnistInput(2)], { id: "changed" }))).toBe(1);
      expect(await parsesFor(tritonRequest([mnistInput(3)], { id: "changed" }))).toBe(0);
    } finally {
      parse.mockRestore();
    }
  });

  it("still checks BOOL and BYTES contents every time", async () => {
    expect(decoded(await send("boolean_not", boolRequest([1, 0, 1]))).outputs[0].data).toEqual([0, 1, 0]);
    const badBool = await send("boolean_not", boolRequest([1, 2, 0]));
    expect([badBool.status, JSON.parse(bodyText(badBool)).error]).toEqual([400, expect.stringMatching(/byte 1 is 2; BOOL elements are one byte, 0 or 1/)]);
    expect(decoded(await send("boolean_not", boolRequest([0, 0, 1]))).outputs[0].data).toEqual([1, 1, 0]);

    const all = { pclass: true, sex: true, age: true, fare: true, embarked: true };
    const good = tritonRequest(titanicInputs(all));
    expect((await send("titanic", good)).status).toBe(200);
    // The same header text and byte count, but the second `sex` element's length prefix points past the end.
    const broken = Buffer.from(good.body);
    const sexStart = good.jsonSize + 2 * 8;
    broken.writeUInt32LE(200, sexStart + 4 + "female".length);
    const badBytes = await send("titanic", { body: broken, headers: good.headers });
    expect([badBytes.status, JSON.parse(bodyText(badBytes)).error]).toEqual([400, expect.stringMatching(/input 'sex' BYTES element 1 declares 200 bytes/)]);
  });

  it("validates a different byte count under the same header afresh", async () => {
    const request = tritonRequest([mnistInput(0)]);
    expect((await send("mnist", request)).status).toBe(200);
    const longer = { body: Buffer.concat([request.body, Buffer.alloc(4)]), headers: request.headers };
    const response = await send("mnist", longer);
    expect([response.status, JSON.parse(bodyText(response)).error]).toEqual([400, expect.stringMatching(/add up to 3136 bytes, but 3140 bytes follow the JSON header/)]);
  });

  it("keeps one plan per model and echoes each header's id", async () => {
    for (let round = 0; round < 3; round++) {
      const mnist = decoded(await send("mnist", tritonRequest([mnistInput(round)], { id: `m-${round % 2}` })));
      expect(mnist.header.id).toBe(`m-${round % 2}`);
      const titanic = decoded(await send("titanic", tritonRequest(titanicInputs({ sex: true, embarked: true }), { id: "t" })));
      expect(titanic.header).toMatchObject({ model_name: "titanic", id: "t" });
    }
  });
});

describe("malformed binary requests get a 400 OIP error, never a crash", () => {
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  /** A body whose JSON header is `header`, followed by `tensorBytes`, with the matching header length. */
  const raw = (header: unknown, tensorBytes: Buffer, headerLength?: string) => {
    const head = json(header);
    return { body: Buffer.concat([head, tensorBytes]), headers: { "inference-header-content-length": headerLength ?? String(head.length) } };
  };
  const floats = (count: number) => Buffer.from(new Float32Array(count).buffer);
  const fp32 = (size: number, extra: Record<string, unknown> = {}) => ({
    inputs: [{ name: "Input3", datatype: "FP32", shape: [1, 1, 28, 28], parameters: { binary_data_size: size }, ...extra }],
  });
  /** titanic with JSON inputs except `sex`, whose BYTES arrive as the given binary. */
  const titanicBytes = (sexBytes: Buffer) =>
    raw(
      {
        inputs: [
          { name: "pclass", shape: [2, 1], datatype: "INT64", data: [1, 3] },
          { name: "sex", shape: [2, 1], datatype: "BYTES", parameters: { binary_data_size: sexBytes.length } },
          { name: "age", shape: [2, 1], datatype: "FP32", data: [29, 40] },
          { name: "fare", shape: [2, 1], datatype: "FP32", data: [211.3, 7.9] },
          { name: "embarked", shape: [2, 1], datatype: "BYTES", data: ["S", "Q"] },
        ],
      },
      sexBytes,
    );

  const cases: [string, () => { body: Buffer; headers: Record<string, string> }, RegExp, string?][] = [
    ["binary_data_size that is not element count x width", () => raw(fp32(3132), floats(783)), /binary_data_size is 3132 bytes, but shape \[1,1,28,28\] of FP32 needs 784 x 4 = 3136/],
    ["more bytes after the header than the sizes declare", () => raw(fp32(3136), floats(785)), /add up to 3136 bytes, but 3140 bytes follow the JSON header/],
    ["fewer bytes after the header than the sizes declare", () => raw(fp32(3136), floats(700)), /add up to 3136 bytes, but 2800 bytes follow/],
    ["a header length larger than the body", () => raw(fp32(3136), floats(784), "999999"), /Inference-Header-Content-Length is 999999, but the body has only \d+ bytes/],
    ["a header length that is not a number", () => raw(fp32(3136), floats(784), "twelve"), /must be a non-negative integer number of bytes, got "twelve"/],
    ["a negative header length", () => raw(fp32(3136), floats(784), "-5"), /must be a non-negative integer/],
    ["a negative binary_data_size", () => raw(fp32(-4), floats(0)), /binary_data_size must be a non-negative integer number of bytes, got -4/],
    ["a fractional binary_data_size", () => raw(fp32(1.5), floats(0)), /binary_data_size must be a non-negative integer/],
    ["binary_data_size and JSON data together", () => raw(fp32(3136, { data: [1] }), floats(784)), /has both JSON 'data' and binary_data_size/],
    ["binary_data_size without the header", () => ({ body: json(fp32(3136)), headers: { "content-type": "application/json" } }), /no Inference-Header-Content-Length header/],
    ["a header cut inside its JSON", () => raw(fp32(3136), floats(784), "20"), /not valid JSON/],
    ["a BYTES length prefix past the end", () => titanicBytes(Buffer.concat([serializeByteTensor(["male"]), Buffer.from([200, 0, 0, 0, 1])])), /element 1 declares 200 bytes, but only 1 remain/, "titanic"],
    ["BYTES data with bytes left over", () => titanicBytes(Buffer.concat([serializeByteTensor(["male", "female"]), Buffer.from([7])])), /1 bytes left over after its 2 elements/, "titanic"],
    ["BYTES data with too few elements", () => titanicBytes(serializeByteTensor(["male"])), /ends before element 1 of 2/, "titanic"],
    ["a BOOL byte other than 0 or 1", () => raw({ inputs: [{ name: "flags", datatype: "BOOL", shape: [1, 3], parameters: { binary_data_size: 3 } }] }, Buffer.from([1, 2, 0])), /byte 1 is 2; BOOL elements are one byte, 0 or 1/, "boolean_not"],
    ["binary_data that is not a boolean", () => raw({ ...fp32(3136), outputs: [{ name: "Plus214_Output_0", parameters: { binary_data: "yes" } }] }, floats(784)), /parameter 'binary_data' must be true or false/],
    ["a raw binary body of the wrong size", () => ({ body: floats(100), headers: { "inference-header-content-length": "0" } }), /raw binary body of 400 bytes does not fit input 'Input3'/],
    ["a raw binary body for a model with several inputs", () => ({ body: floats(5), headers: { "inference-header-content-length": "0" } }), /needs a single-input model; 'titanic' has 5 inputs/, "titanic"],
    ["absurd dims before allocating", () => raw({ inputs: [{ name: "flags", datatype: "BOOL", shape: [1e12, 3], parameters: { binary_data_size: 3 } }] }, Buffer.from([1, 0, 1])), /has 3000000000000 elements; the limit is/, "boolean_not"],
  ];

  it.each(cases)("%s", async (_name, build, pattern, model = "mnist") => {
    const { body, headers } = build();
    const response = await infer(model, body, headers);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(JSON.parse(bodyText(response))).toEqual({ error: expect.stringMatching(pattern) });
  });
});
