import * as ort from "onnxruntime-node";
import { join } from "node:path";
import { InferenceRuntime, silentLogger } from "../../../handlers/core";
import { runtimeConfigForModelsDir } from "../../../handlers/core/local-models";
import { bodyText, FIXTURE_MODELS, mnistSamples, testModels, testRuntime, titanicRequest } from "../fixtures";

const models = testModels();
let runtime: InferenceRuntime;

beforeAll(async () => {
  runtime = await testRuntime(models).loadAll();
});

async function call(method: string, path: string, body?: unknown, query = "") {
  const response = await runtime.handle({
    method,
    path,
    query,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { ...response, json: JSON.parse(bodyText(response)) as Record<string, any> };
}

const argmax = (values: number[]) => values.indexOf(Math.max(...values));

describe("server routes", () => {
  it("answers live, ready and server metadata", async () => {
    expect((await call("GET", "/v2/health/live")).json).toEqual({ live: true });
    const metadata = await call("GET", "/v2");
    expect(metadata.json).toMatchObject({ name: "edge-inference", extensions: ["binary_tensor_data"] });
    // The corrupt and missing models keep the server from being ready, but not from being live.
    const ready = await call("GET", "/v2/health/ready");
    expect(ready.status).toBe(503);
    expect(ready.json).toEqual({ ready: false });
    expect(ready.headers["cache-control"]).toBe("no-store");
  });
});

describe("model metadata", () => {
  it("comes from the ONNX file, with the manifest only adding", async () => {
    const titanic = await call("GET", "/v2/models/titanic");
    expect(titanic.status).toBe(200);
    expect(titanic.json).toEqual({
      name: "titanic",
      versions: [models.config.models.find((m) => m.name === "titanic")!.version],
      platform: "onnx_onnxv1",
      inputs: [
        { name: "pclass", datatype: "INT64", shape: [-1, 1] },
        { name: "sex", datatype: "BYTES", shape: [-1, 1] },
        { name: "age", datatype: "FP32", shape: [-1, 1] },
        { name: "fare", datatype: "FP32", shape: [-1, 1] },
        { name: "embarked", datatype: "BYTES", shape: [-1, 1] },
      ],
      outputs: [
        { name: "label", datatype: "INT64", shape: [-1], labels: ["died", "survived"] },
        { name: "probabilities", datatype: "FP32", shape: [-1, 2] },
      ],
      parameters: { description: "sklearn pipeline" },
    });
    expect(titanic.headers["cache-control"]).toBe("public, max-age=300");
  });

  it("versions the model by the first 12 hex digits of its sha256 without a manifest version", async () => {
    const mnist = await call("GET", "/v2/models/mnist");
    expect(mnist.json.versions).toEqual(["2f06e72de813"]);
    const versioned = await call("GET", "/v2/models/mnist/versions/2f06e72de813");
    expect(versioned.status).toBe(200);
    expect(versioned.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
  });

  it("lists a ZipMap output as unsupported and serves the rest", async () => {
    const zipmap = await call("GET", "/v2/models/zipmap");
    expect(zipmap.json.outputs).toEqual([{ name: "probabilities", datatype: "FP32", shape: [-1, 2] }]);
    expect(zipmap.json.unsupported_outputs).toEqual([{ name: "output_probability", reason: expect.stringContaining("not a tensor") }]);
    const inferred = await call("POST", "/v2/models/zipmap/infer", {
      inputs: [{ name: "scores", datatype: "FP32", shape: [1, 2], data: [0.25, 0.75] }],
    });
    expect(inferred.status).toBe(200);
    expect(inferred.json.outputs).toEqual([{ name: "probabilities", datatype: "FP32", shape: [1, 2], data: [0.25, 0.75] }]);
    const asked = await call("POST", "/v2/models/zipmap/infer", {
      inputs: [{ name: "scores", datatype: "FP32", shape: [1, 2], data: [0.25, 0.75] }],
      outputs: [{ name: "output_probability" }],
    });
    expect(asked.status).toBe(400);
    expect(asked.json.error).toMatch(/output 'output_probability' cannot be returned/);
  });
});

describe("model lifecycle", () => {
  it("marks a corrupt or missing model not-ready with 503, leaving the others serving", async () => {
    for (const name of ["corrupt", "missing"]) {
      const ready = await call("GET", `/v2/models/${name}/ready`);
      expect(ready.status).toBe(503);
      expect(ready.json).toMatchObject({ name, ready: false });
      const infer = await call("POST", `/v2/models/${name}/infer`, { inputs: [] });
      expect(infer.status).toBe(503);
      expect(infer.json.error).toMatch(new RegExp(`model '${name}' is not ready`));
      expect(infer.headers["cache-control"]).toBe("no-store");
    }
    expect((await call("GET", "/v2/models/mnist/ready")).json).toEqual({ name: "mnist", ready: true });
  });

  it("loads a model once and reuses its session", async () => {
    const first = await runtime.registry.get("mnist");
    const second = await runtime.registry.get("mnist");
    expect(second.session).toBe(first.session);
  });

  it("loads lazily on first use when not loaded eagerly", async () => {
    const lazy = testRuntime(models);
    const response = await lazy.handle({ method: "GET", path: "/v2/models/matmul/ready" });
    expect(JSON.parse(bodyText(response))).toEqual({ name: "matmul", ready: true });
  });
});

describe("inference", () => {
  it("classifies the sample MNIST digits correctly, flat and nested", async () => {
    for (const { label, pixels } of mnistSamples()) {
      const flat = await call("POST", "/v2/models/mnist/infer", {
        id: `digit-${label}`,
        inputs: [{ name: "Input3", datatype: "FP32", shape: [1, 1, 28, 28], data: pixels }],
      });
      expect(flat.status).toBe(200);
      expect(flat.json.id).toBe(`digit-${label}`);
      expect(flat.json.outputs[0]).toMatchObject({ name: "Plus214_Output_0", datatype: "FP32", shape: [1, 10] });
      expect(argmax(flat.json.outputs[0].data)).toBe(label);
      const rows = Array.from({ length: 28 }, (_, row) => pixels.slice(row * 28, row * 28 + 28));
      const nested = await call("POST", "/v2/models/mnist/infer", {
        inputs: [{ name: "Input3", datatype: "FP32", shape: [1, 1, 28, 28], data: [[rows]] }],
      });
      expect(nested.json.outputs).toEqual(flat.json.outputs);
    }
  });

  it("returns exactly what a raw session.run returns", async () => {
    const { pixels } = mnistSamples()[7];
    const session = await ort.InferenceSession.create(join(FIXTURE_MODELS, "mnist.onnx"));
    const raw = await session.run({ Input3: new ort.Tensor("float32", Float32Array.from(pixels), [1, 1, 28, 28]) });
    const served = await call("POST", "/v2/models/mnist/infer", { inputs: [{ name: "Input3", datatype: "FP32", shape: [1, 1, 28, 28], data: pixels }] });
    expect(served.json.outputs[0].data).toEqual(Array.from(raw.Plus214_Output_0.data as Float32Array));
  });

  it("multiplies matrices like a hand computation", async () => {
    const a = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    const b = [1, 0, 2, 0, 1, 0, -1, 0, 1, 0.5, 0.5, 0.5];
    const expected: number[] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      let sum = 0;
      for (let k = 0; k < 4; k++) sum += a[i * 4 + k] * b[k * 3 + j];
      expected.push(sum);
    }
    const response = await call("POST", "/v2/models/matmul/versions/v1/infer", {
      inputs: [
        { name: "a", datatype: "FP32", shape: [3, 4], data: a },
        { name: "b", datatype: "FP32", shape: [4, 3], data: b },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      model_name: "matmul",
      model_version: "v1",
      outputs: [{ name: "c", datatype: "FP32", shape: [3, 3], data: expected }],
    });
    expect(response.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
  });

  it("serves the titanic pipeline with INT64 and BYTES inputs, batched", async () => {
    const response = await call("POST", "/v2/models/titanic/infer", {
      inputs: [
        { name: "pclass", datatype: "INT64", shape: [2, 1], data: [1, 3] },
        { name: "sex", datatype: "BYTES", shape: [2, 1], data: ["female", "male"] },
        { name: "age", datatype: "FP32", shape: [2, 1], data: [29, 40] },
        { name: "fare", datatype: "FP32", shape: [2, 1], data: [211.3, 7.9] },
        { name: "embarked", datatype: "BYTES", shape: [2, 1], data: [["S"], ["S"]] },
      ],
      outputs: [{ name: "label" }, { name: "probabilities", parameters: { binary_data: false } }],
    });
    expect(response.status).toBe(200);
    const [label, probabilities] = response.json.outputs;
    expect(label).toEqual({ name: "label", datatype: "INT64", shape: [2], data: [1, 0] });
    expect(probabilities.shape).toEqual([2, 2]);
    expect(probabilities.data[0] + probabilities.data[1]).toBeCloseTo(1, 5);
  });

  it("gives identical outputs for the GET and POST forms", async () => {
    const post = await call("POST", "/v2/models/titanic/infer", titanicRequest({ pclass: 2, sex: "female", age: 30.5, fare: 13, embarked: "C" }));
    const get = await call("GET", "/v2/models/titanic/infer", undefined, "fare=13.0&embarked=C&age=%2B30.50&sex=female&pclass=002&utm_source=x");
    expect(get.status).toBe(200);
    expect(get.json).toEqual(post.json);

    const { pixels } = mnistSamples()[3];
    const mnistPost = await call("POST", "/v2/models/mnist/infer", { inputs: [{ name: "Input3", datatype: "FP32", shape: [1, 1, 28, 28], data: pixels }] });
    const mnistGet = await call("GET", "/v2/models/mnist/infer", undefined, `Input3=${pixels.join(",")}`);
    expect(mnistGet.json).toEqual(mnistPost.json);
  });

  it("refuses the GET form for a model with dynamic dimensions beyond the batch", async () => {
    const response = await call("GET", "/v2/models/dynamic/infer", undefined, "x=1,2");
    expect(response.status).toBe(400);
    expect(response.json.error).toMatch(/input 'x' has dynamic dimensions besides the batch.*use POST/);
    const post = await call("POST", "/v2/models/dynamic/infer", { inputs: [{ name: "x", datatype: "FP32", shape: [1, 2], data: [1, 2] }] });
    expect(post.json.outputs[0]).toEqual({ name: "y", datatype: "FP32", shape: [1, 2], data: [1, 2] });
  });
});

describe("local models directory", () => {
  it("builds a runtime config from folders holding model.onnx and serves them", async () => {
    const { config, root, problems } = runtimeConfigForModelsDir(join(__dirname, "../../../models"));
    expect(problems).toEqual([]);
    const local = new InferenceRuntime({ config, root, logger: silentLogger });
    for (const model of config.models) {
      const response = await local.handle({ method: "GET", path: `/v2/models/${model.name}/ready` });
      expect(JSON.parse(bodyText(response))).toEqual({ name: model.name, ready: true });
    }
  });
});
