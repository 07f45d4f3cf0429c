import { request as httpRequest } from "node:http";
import { startHttpServer, type RunningHttpServer } from "../../../handlers/http";
import { mnistSamples, testRuntime, titanicRequest } from "../fixtures";

let server: RunningHttpServer;
beforeAll(async () => {
  server = await startHttpServer({ runtime: testRuntime(), maxRequestBytes: 512 * 1024 });
});
afterAll(() => server.close());

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: any;
}

/** A real HTTP round trip on 127.0.0.1. */
function send(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = { "content-type": "application/json" }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${server.url}${path}`, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: response.statusCode ?? 0, headers: response.headers, json: text ? JSON.parse(text) : undefined });
      });
    });
    request.on("error", reject);
    request.end(body);
  });
}

const post = (path: string, body: unknown, headers?: Record<string, string>) => send("POST", path, typeof body === "string" ? body : JSON.stringify(body), headers);

const titanicRow = (overrides: Record<string, unknown> = {}) => titanicRequest(undefined, overrides);

function expectOipError(reply: Reply, status: number, pattern: RegExp) {
  expect({ status: reply.status, error: reply.json?.error }).toEqual({ status, error: expect.stringMatching(pattern) });
  expect(Object.keys(reply.json)).toEqual(["error"]);
  expect(reply.headers["cache-control"]).toBe("no-store");
}

describe("plain HTTP adapter", () => {
  it("serves a KServe-style request unchanged over real HTTP", async () => {
    const { pixels, label } = mnistSamples()[5];
    const reply = await post("/v2/models/mnist/infer", { id: "42", inputs: [{ name: "Input3", shape: [1, 1, 28, 28], datatype: "FP32", data: pixels }] });
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toBe("application/json");
    const logits: number[] = reply.json.outputs[0].data;
    expect(logits.indexOf(Math.max(...logits))).toBe(label);
  });

  it("accepts a tritonclient-style request: no content type, binary_data output parameters", async () => {
    const body = { ...titanicRow(), outputs: [{ name: "label", parameters: { binary_data: false } }], parameters: { binary_data_output: false } };
    const reply = await post("/v2/models/titanic/infer", body, {});
    expect(reply.status).toBe(200);
    expect(reply.json.outputs).toEqual([{ name: "label", datatype: "INT64", shape: [1], data: [1] }]);
  });
});

describe("bad input gets a clear OIP error, never a 5xx", () => {
  it("malformed JSON", async () => expectOipError(await post("/v2/models/titanic/infer", '{"inputs": [NaN]'), 400, /not valid JSON/));
  it("wrong content type", async () => expectOipError(await post("/v2/models/titanic/infer", titanicRow(), { "content-type": "text/plain" }), 415, /content type 'text\/plain'/));
  it("a binary header length beyond the body", async () =>
    expectOipError(await post("/v2/models/titanic/infer", titanicRow(), { "inference-header-content-length": "100000" }), 400, /Inference-Header-Content-Length is 100000, but the body has only/));
  it("a content type that is neither JSON nor binary tensors", async () =>
    expectOipError(await post("/v2/models/titanic/infer", titanicRow(), { "content-type": "text/csv" }), 415, /content type 'text\/csv' is not supported/));
  it("a body that is not an object", async () => expectOipError(await post("/v2/models/titanic/infer", "[1,2,3]"), 400, /must be a JSON object.*got an array/));
  it("an empty body", async () => expectOipError(await post("/v2/models/titanic/infer", ""), 400, /body is empty/));
  it("unknown model", async () => expectOipError(await post("/v2/models/nope/infer", titanicRow()), 404, /unknown model 'nope'/));
  it("unknown version", async () => expectOipError(await send("GET", "/v2/models/titanic/versions/9"), 404, /no version '9'/));
  it("unknown route", async () => expectOipError(await send("GET", "/v2/models/titanic/explain"), 404, /no Open Inference Protocol route/));
  it("wrong method", async () => {
    const reply = await send("PUT", "/v2/models/titanic/infer", "{}");
    expectOipError(reply, 405, /PUT is not allowed/);
    expect(reply.headers.allow).toBe("POST, GET");
  });
  it("missing input", async () => {
    const body = titanicRow();
    body.inputs.pop();
    expectOipError(await post("/v2/models/titanic/infer", body), 400, /missing input 'embarked'/);
  });
  it("extra input", async () => {
    const body = titanicRow();
    body.inputs.push({ name: "cabin", datatype: "BYTES", shape: [1, 1], data: ["C85"] });
    expectOipError(await post("/v2/models/titanic/infer", body), 400, /no input 'cabin'/);
  });
  it("duplicate input", async () => {
    const body = titanicRow();
    body.inputs.push(body.inputs[0]);
    expectOipError(await post("/v2/models/titanic/infer", body), 400, /input 'pclass' is given more than once/);
  });
  it("wrong datatype", async () => expectOipError(await post("/v2/models/titanic/infer", titanicRow({ age: { datatype: "FP64" } })), 400, /'age' has datatype FP64; the model expects FP32/));
  it("unknown datatype", async () => expectOipError(await post("/v2/models/titanic/infer", titanicRow({ age: { datatype: "FLOAT" } })), 400, /"FLOAT"; the model expects FP32/));
  it("shape and data length disagree", async () => expectOipError(await post("/v2/models/titanic/infer", titanicRow({ age: { shape: [2, 1] } })), 400, /'age' has 1 values, but shape \[2,1\] needs 2/));
  it("shape against the model's fixed dims", async () =>
    expectOipError(await post("/v2/models/titanic/infer", titanicRow({ age: { shape: [1, 2], data: [1, 2] } })), 400, /does not match the model's \[-1,1\] at dimension 1/));
  it("Infinity where FP32 cannot hold it", async () => expectOipError(await post("/v2/models/titanic/infer", titanicRow({ age: { data: [1e39] } })), 400, /outside the FP32 range/));
  it("NaN and Infinity in the GET form", async () => {
    for (const spelling of ["NaN", "Infinity", "-Infinity", "1e39"]) {
      expectOipError(await send("GET", `/v2/models/titanic/infer?pclass=1&sex=male&age=${spelling}&fare=7&embarked=S`), 400, /'age' value 1 .* is not a finite FP32 number/);
    }
  });
  it("nested data of the wrong depth", async () => {
    const { pixels } = mnistSamples()[0];
    const rows = Array.from({ length: 28 }, (_, row) => pixels.slice(row * 28, row * 28 + 28));
    expectOipError(await post("/v2/models/mnist/infer", { inputs: [{ name: "Input3", datatype: "FP32", shape: [1, 1, 28, 28], data: [rows] }] }), 400, /data\[0\] must be an array of 1/);
  });
  it("BYTES where a number is expected", async () => expectOipError(await post("/v2/models/titanic/infer", titanicRow({ age: { data: ["38"] } })), 400, /expected a FP32 number, got the string "38"/));
  it("a number where BYTES is expected", async () => expectOipError(await post("/v2/models/titanic/infer", titanicRow({ sex: { data: [1] } })), 400, /expected a string for BYTES/));
  it("an integer out of range", async () => expectOipError(await post("/v2/models/titanic/infer", titanicRow({ pclass: { data: [2 ** 60] } })), 400, /outside the exactly representable range/));
  it("negative dims", async () => expectOipError(await post("/v2/models/titanic/infer", titanicRow({ age: { shape: [-1, 1] } })), 400, /dimension 0 must be a non-negative integer/));
  it("absurd dims are refused before allocating", async () => {
    const reply = await post("/v2/models/dynamic/infer", { inputs: [{ name: "x", datatype: "FP32", shape: [1_000_000, 1_000_000], data: [] }] });
    expectOipError(reply, 413, /1000000000000 elements; the limit is/);
  });
  it("oversized bodies", async () => {
    const data = new Array(200_000).fill(0.5);
    expectOipError(await post("/v2/models/dynamic/infer", { inputs: [{ name: "x", datatype: "FP32", shape: [1, data.length], data }] }), 413, /exceeds 524288 bytes/);
  });
  it("a non-string id", async () => expectOipError(await post("/v2/models/titanic/infer", { ...titanicRow(), id: 7 }), 400, /'id' must be a string/));
  it("an unknown requested output", async () => expectOipError(await post("/v2/models/titanic/infer", { ...titanicRow(), outputs: [{ name: "proba" }] }), 400, /no output 'proba'/));
  it("GET form: missing, duplicated and miscounted inputs", async () => {
    expectOipError(await send("GET", "/v2/models/titanic/infer?pclass=1&sex=male&age=3&fare=7"), 400, /'embarked' is missing/);
    expectOipError(await send("GET", "/v2/models/titanic/infer?pclass=1&pclass=2&sex=male&age=3&fare=7&embarked=S"), 400, /'pclass' is given more than once/);
    expectOipError(await send("GET", "/v2/models/titanic/infer?pclass=1,2&sex=male&age=3&fare=7&embarked=S"), 400, /'pclass' needs 1 values for a batch of one, got 2/);
  });
});
