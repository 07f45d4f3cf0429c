import { SHARED_FIXTURES } from "../shared-fixtures";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onnx } from "onnx-proto";
import { InferenceRuntime, silentLogger } from "../../handlers/core";
import { modelConfigFromFile } from "../../handlers/core/local-models";
import type { RuntimeConfig, RuntimeModelConfig } from "../../handlers/shared/runtime-config";

export const FIXTURES = SHARED_FIXTURES;
export const FIXTURE_MODELS = join(FIXTURES, "models");
export const EVENTS = join(FIXTURES, "events");
export const IRIS_DIR = join(__dirname, "../../models/iris");

export function readJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

export const CACHE: RuntimeConfig["cache"] = { unversionedTtlSeconds: 300, versionedTtlSeconds: 31_536_000 };

/** The shared models as served under test names, plus deliberately broken ones. */
export interface TestModels {
  readonly config: RuntimeConfig;
  readonly root: string;
  readonly scratch: string;
}

/**
 * A copy of the iris demo model with its tensors renamed to what the derived fixture events send
 * (`float_input` in, `output_label` out), so those events get a real prediction as `rf_iris`.
 */
function writeRenamedIris(scratch: string): string {
  const model = onnx.ModelProto.decode(readFileSync(join(IRIS_DIR, "model.onnx")));
  const graph = model.graph as onnx.GraphProto;
  const renames: Record<string, string> = { features: "float_input", label: "output_label" };
  const rename = (name: string) => renames[name] ?? name;
  for (const value of [...graph.input, ...graph.output]) value.name = rename(value.name ?? "");
  for (const node of graph.node) {
    node.input = (node.input ?? []).map(rename);
    node.output = (node.output ?? []).map(rename);
  }
  const path = join(scratch, "rf_iris.onnx");
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
  return path;
}

/** A model with a ZipMap output (seq(map(int64,float))), which ONNX Runtime for Node cannot return. */
function writeZipMapModel(scratch: string): string {
  const floatTensor = (dims: (number | string)[]) =>
    onnx.TypeProto.create({
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((dim) => (typeof dim === "number" ? { dimValue: dim } : { dimParam: dim })) },
      },
    });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: "edge-inference-tests",
    opsetImport: [{ domain: "", version: 13 }, { domain: "ai.onnx.ml", version: 1 }],
    graph: {
      name: "zipmap",
      input: [{ name: "scores", type: floatTensor(["N", 2]) }],
      output: [
        { name: "probabilities", type: floatTensor(["N", 2]) },
        {
          name: "output_probability",
          type: {
            sequenceType: {
              elemType: { mapType: { keyType: onnx.TensorProto.DataType.INT64, valueType: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } } },
            },
          },
        },
      ],
      node: [
        { opType: "Identity", input: ["scores"], output: ["probabilities"] },
        {
          opType: "ZipMap",
          domain: "ai.onnx.ml",
          input: ["scores"],
          output: ["output_probability"],
          attribute: [{ name: "classlabels_int64s", type: onnx.AttributeProto.AttributeType.INTS, ints: [0, 1] }],
        },
      ],
    },
  });
  const path = join(scratch, "zipmap.onnx");
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
  return path;
}

/** A one-node ONNX model whose input and output share one tensor type; written to `<scratch>/<name>.onnx`. */
function writeOneNodeModel(
  scratch: string,
  spec: { name: string; opType: string; elemType: number; dim: { dimParam?: string; dimValue?: number }[]; input: string; output: string },
): string {
  const tensor = onnx.TypeProto.create({ tensorType: { elemType: spec.elemType, shape: { dim: spec.dim } } });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 13 }],
    graph: {
      name: spec.name,
      input: [{ name: spec.input, type: tensor }],
      output: [{ name: spec.output, type: tensor }],
      node: [{ opType: spec.opType, input: [spec.input], output: [spec.output] }],
    },
  });
  const path = join(scratch, `${spec.name}.onnx`);
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
  return path;
}

/** Identity over a tensor with two dynamic dimensions, which the GET form cannot shape. */
const writeDynamicModel = (scratch: string) =>
  writeOneNodeModel(scratch, { name: "dynamic", opType: "Identity", elemType: onnx.TensorProto.DataType.FLOAT, dim: [{ dimParam: "N" }, { dimParam: "M" }], input: "x", output: "y" });

/** Not over a BOOL tensor: the one shared datatype no fixture model takes as input. */
const writeBooleanNotModel = (scratch: string) =>
  writeOneNodeModel(scratch, { name: "boolean_not", opType: "Not", elemType: onnx.TensorProto.DataType.BOOL, dim: [{ dimParam: "N" }, { dimValue: 3 }], input: "flags", output: "inverted" });

export function testModels(): TestModels {
  const scratch = mkdtempSync(join(tmpdir(), "edge-inference-models-"));
  const corrupt = join(scratch, "corrupt.onnx");
  writeFileSync(corrupt, Buffer.from("this is not an ONNX model"));
  const root = FIXTURE_MODELS;
  const models: RuntimeModelConfig[] = [
    modelConfigFromFile(root, "mnist", "mnist.onnx"),
    modelConfigFromFile(root, "matmul", "ort-quickstart-matmul.onnx", { manifest: { version: "v1" } }),
    modelConfigFromFile(root, "titanic", "pipeline_titanic_nozipmap.onnx", {
      manifest: { description: "sklearn pipeline", labels: { label: ["died", "survived"] } },
    }),
    modelConfigFromFile(root, "rf_iris", writeRenamedIris(scratch)),
    modelConfigFromFile(root, "zipmap", writeZipMapModel(scratch)),
    modelConfigFromFile(root, "dynamic", writeDynamicModel(scratch)),
    modelConfigFromFile(root, "boolean_not", writeBooleanNotModel(scratch)),
    { name: "corrupt", version: "1", serve: "edge", modelFile: corrupt },
    { name: "missing", version: "1", serve: "edge", modelFile: join(scratch, "no-such-model.onnx") },
    { name: "regional_only", version: "1", serve: "regional" },
  ];
  return { config: { schemaVersion: 1, models, cache: CACHE }, root, scratch };
}

export function testRuntime(models: TestModels = testModels()): InferenceRuntime {
  return new InferenceRuntime({ config: models.config, root: models.root, logger: silentLogger });
}

export interface TitanicPassenger {
  readonly pclass: number;
  readonly sex: string;
  readonly age: number;
  readonly fare: number;
  readonly embarked: string;
}

/** An OIP infer request for the titanic pipeline; `overrides` replaces fields of single inputs, to make bad requests. */
export function titanicRequest(
  passenger: TitanicPassenger = { pclass: 1, sex: "female", age: 38, fare: 71.28, embarked: "C" },
  overrides: Record<string, unknown> = {},
) {
  return {
    inputs: [
      { name: "pclass", datatype: "INT64", shape: [1, 1], data: [passenger.pclass] },
      { name: "sex", datatype: "BYTES", shape: [1, 1], data: [passenger.sex] },
      { name: "age", datatype: "FP32", shape: [1, 1], data: [passenger.age] },
      { name: "fare", datatype: "FP32", shape: [1, 1], data: [passenger.fare] },
      { name: "embarked", datatype: "BYTES", shape: [1, 1], data: [passenger.embarked] },
    ].map((input) => (input.name in overrides ? { ...input, ...(overrides[input.name] as object) } : input)),
  };
}

/** 20 real MNIST digits, 784 floats each in 0..1. */
export function mnistSamples(): { label: number; pixels: number[] }[] {
  return readJson<{ samples: { label: number; pixels: number[] }[] }>(join(FIXTURE_MODELS, "data/mnist-20-samples.json")).samples;
}

/** A runtime response body as text, for JSON answers. */
export function bodyText(response: { readonly body: string | Uint8Array }): string {
  return typeof response.body === "string" ? response.body : Buffer.from(response.body).toString("utf8");
}

/** One input as tritonclient's InferInput holds it after set_data_from_numpy. */
export interface TritonInput {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
  /** Typed array for numeric datatypes, strings for BYTES, 0/1 bytes (Uint8Array) for BOOL. */
  readonly data: ArrayBufferView | readonly string[];
  /** tritonclient's default is binary; false sends JSON `data` instead. */
  readonly binary?: boolean;
}

/** tritonclient's serialize_byte_tensor: each element a little-endian uint32 length, then its UTF-8 bytes. */
export function serializeByteTensor(values: readonly string[]): Buffer {
  return Buffer.concat(
    values.map((value) => {
      const bytes = Buffer.from(value, "utf8");
      const length = Buffer.alloc(4);
      length.writeUInt32LE(bytes.length);
      return Buffer.concat([length, bytes]);
    }),
  );
}

/**
 * A request body and headers built the way tritonclient.http's _get_inference_request builds them:
 * compact JSON with inputs as {name, shape, datatype, parameters: {binary_data_size}}, outputs
 * {name, parameters: {binary_data}}, `binary_data_output: true` when no outputs are named, then the
 * raw tensor bytes; Inference-Header-Content-Length and no Content-Type.
 */
export function tritonRequest(
  inputs: readonly TritonInput[],
  options: { outputs?: readonly { name: string; binary?: boolean }[]; id?: string } = {},
): { body: Buffer; headers: Record<string, string>; jsonSize: number } {
  const chunks: Buffer[] = [];
  const request: Record<string, unknown> = {};
  if (options.id !== undefined) request.id = options.id;
  request.inputs = inputs.map((input) => {
    const tensor: Record<string, unknown> = { name: input.name, shape: input.shape, datatype: input.datatype };
    if (input.binary === false) {
      tensor.data = Array.isArray(input.data) ? input.data : Array.from(input.data as unknown as ArrayLike<number | bigint>, (value) => (typeof value === "bigint" ? Number(value) : input.datatype === "BOOL" ? value !== 0 : value));
      return tensor;
    }
    const raw = Array.isArray(input.data)
      ? serializeByteTensor(input.data)
      : Buffer.from((input.data as ArrayBufferView).buffer, (input.data as ArrayBufferView).byteOffset, (input.data as ArrayBufferView).byteLength);
    chunks.push(raw);
    tensor.parameters = { binary_data_size: raw.length };
    return tensor;
  });
  if (options.outputs && options.outputs.length > 0) {
    request.outputs = options.outputs.map((output) => ({ name: output.name, parameters: { binary_data: output.binary ?? true } }));
  } else {
    request.parameters = { binary_data_output: true };
  }
  const json = Buffer.from(JSON.stringify(request));
  // Like tritonclient: with no binary input the JSON is the whole body and no header is sent.
  const headers: Record<string, string> = chunks.length > 0 ? { "inference-header-content-length": String(json.length) } : {};
  return { body: Buffer.concat([json, ...chunks]), headers, jsonSize: json.length };
}

export interface DecodedOutput {
  readonly name: string;
  readonly datatype: string;
  readonly shape: number[];
  /** JSON `data`, or the binary tensor decoded as tritonclient's as_numpy would. */
  readonly data: unknown[];
  readonly binary: boolean;
}

const TYPED: Record<string, new (buffer: ArrayBuffer) => ArrayLike<number | bigint>> = {
  FP32: Float32Array, FP64: Float64Array, INT8: Int8Array, INT16: Int16Array, INT32: Int32Array, INT64: BigInt64Array,
  UINT8: Uint8Array, UINT16: Uint16Array, UINT32: Uint32Array, UINT64: BigUint64Array, BOOL: Uint8Array,
};

/** Reads a binary-extension response the way tritonclient's InferResult does. */
export function decodeTritonResponse(body: Uint8Array, headerLength: number): { header: Record<string, any>; outputs: DecodedOutput[] } {
  const bytes = Buffer.from(body);
  const header = JSON.parse(bytes.subarray(0, headerLength).toString("utf8")) as Record<string, any>;
  let offset = headerLength;
  const outputs = (header.outputs as any[]).map((output): DecodedOutput => {
    const size: number | undefined = output.parameters?.binary_data_size;
    if (size === undefined) return { name: output.name, datatype: output.datatype, shape: output.shape, data: output.data, binary: false };
    const chunk = bytes.subarray(offset, offset + size);
    offset += size;
    let data: unknown[];
    if (output.datatype === "BYTES") {
      data = [];
      for (let at = 0; at < chunk.length; ) {
        const length = chunk.readUInt32LE(at);
        data.push(chunk.subarray(at + 4, at + 4 + length).toString("utf8"));
        at += 4 + length;
      }
    } else {
      const copy = chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength) as ArrayBuffer;
      data = Array.from(new TYPED[output.datatype](copy));
    }
    return { name: output.name, datatype: output.datatype, shape: output.shape, data, binary: true };
  });
  if (offset !== bytes.length) throw new Error(`response has ${bytes.length - offset} bytes after its declared tensors`);
  return { header, outputs };
}
