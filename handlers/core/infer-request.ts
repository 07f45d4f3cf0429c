import type { Tensor } from "onnxruntime-node";
import { BINARY_HEADER_LENGTH, ELEMENT_BYTES, stringsFromBinary, tensorFromBinary } from "./binary-tensors";
import { isOipDatatype, type OipDatatype } from "./datatypes";
import { badRequest, unsupportedMediaType } from "./errors";
import type { LoadedModel } from "./model-registry";
import { checkShape, createTensor, decodeTensor } from "./tensor-codec";

export interface ParsedInferRequest {
  readonly id: string | undefined;
  readonly feeds: Record<string, Tensor>;
  readonly outputs: readonly string[];
  /** The requested outputs to answer as binary tensor data (binary_data / binary_data_output). */
  readonly binaryOutputs: ReadonlySet<string>;
}

/** One binary input as a validated header declares it: all but its bytes. */
interface BinaryInputPlan {
  readonly name: string;
  readonly datatype: OipDatatype;
  readonly shape: readonly number[];
  readonly elements: number;
  /** Where its bytes start after the JSON header. */
  readonly offset: number;
  readonly size: number;
}

/** A validated header whose inputs are all binary: with the bytes that follow, it makes the request. */
interface BinaryRequestPlan extends Omit<ParsedInferRequest, "feeds"> {
  readonly inputs: readonly BinaryInputPlan[];
}

/** No output answered as binary tensor data: plain JSON. */
export const NO_BINARY_OUTPUTS: ReadonlySet<string> = new Set();

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;

/**
 * Accepts a JSON body or none declared (tritonclient sends no Content-Type). A binary-extension
 * body (Inference-Header-Content-Length present) may carry any type, usually application/octet-stream.
 */
export function checkContentType(headers: Readonly<Record<string, string | undefined>>): void {
  if (headers[BINARY_HEADER_LENGTH] !== undefined) return;
  const contentType = headers["content-type"];
  if (contentType === undefined || contentType.trim() === "") return;
  const mediaType = contentType.split(";")[0].trim().toLowerCase();
  if (!JSON_MEDIA_TYPE.test(mediaType)) {
    throw unsupportedMediaType(
      `content type '${mediaType}' is not supported; send application/json, or binary tensors with an Inference-Header-Content-Length header`,
    );
  }
}

export function parseJsonBody(text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw badRequest(`request body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw badRequest(`request body must be a JSON object with 'inputs', got ${Array.isArray(body) ? "an array" : body === null ? "null" : typeof body}`);
  }
  return body as Record<string, unknown>;
}

function checkParameters(where: string, parameters: unknown): Record<string, unknown> | undefined {
  if (parameters === undefined) return undefined;
  if (typeof parameters !== "object" || parameters === null || Array.isArray(parameters)) {
    throw badRequest(`${where} 'parameters' must be an object`);
  }
  for (const key in parameters) {
    const type = typeof (parameters as Record<string, unknown>)[key];
    if (type !== "string" && type !== "number" && type !== "boolean") {
      throw badRequest(`${where} parameter '${key}' must be a string, number or boolean`);
    }
  }
  return parameters as Record<string, unknown>;
}

function requireObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw badRequest(`${what} must be an object`);
  return value as Record<string, unknown>;
}

function binaryFlag(where: string, parameters: Record<string, unknown> | undefined, key: string): boolean | undefined {
  const value = parameters?.[key];
  if (value !== undefined && typeof value !== "boolean") throw badRequest(`${where} parameter '${key}' must be true or false`);
  return value;
}

/**
 * The binary_data_size of each input (undefined for JSON data), checked before anything is
 * allocated: non-negative integers that together cover the tensor bytes after the header exactly.
 */
function binarySizes(inputs: readonly unknown[], tensorBytes: Uint8Array | undefined): (number | undefined)[] {
  let total = 0;
  const sizes = inputs.map((input, position) => {
    const parameters = (input as { parameters?: unknown } | null)?.parameters as Record<string, unknown> | undefined;
    const size = typeof parameters === "object" && parameters !== null ? parameters.binary_data_size : undefined;
    if (size === undefined) return undefined;
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
      throw badRequest(`inputs[${position}] binary_data_size must be a non-negative integer number of bytes, got ${JSON.stringify(size)}`);
    }
    total += size;
    return size;
  });
  const available = tensorBytes?.byteLength ?? 0;
  if (tensorBytes === undefined && total > 0) {
    throw badRequest("inputs declare binary_data_size, but the request has no Inference-Header-Content-Length header; send the header, or JSON 'data'");
  }
  if (tensorBytes !== undefined && total !== available) {
    throw badRequest(`the inputs' binary_data_size values add up to ${total} bytes, but ${available} bytes follow the JSON header`);
  }
  return sizes;
}

/**
 * Validates an OIP inference request against the model and builds its input tensors. `tensorBytes`
 * is what followed the JSON header in a binary-extension body (see binary-tensors.ts).
 */
export function parseInferRequest(body: Record<string, unknown>, model: LoadedModel, maxElements: number, tensorBytes?: Uint8Array): ParsedInferRequest {
  return parseAndPlan(body, model, maxElements, tensorBytes).request;
}

/** parseInferRequest, and the plan that rebuilds the request from other bytes when every input is binary. */
function parseAndPlan(
  body: Record<string, unknown>,
  model: LoadedModel,
  maxElements: number,
  tensorBytes: Uint8Array | undefined,
): { request: ParsedInferRequest; plan: BinaryRequestPlan | undefined } {
  const { signature } = model;
  const id = body.id;
  if (id !== undefined && typeof id !== "string") throw badRequest("'id' must be a string");
  const requestParameters = checkParameters("request", body.parameters);
  const allBinary = binaryFlag("request", requestParameters, "binary_data_output") ?? false;

  if (!Array.isArray(body.inputs) || body.inputs.length === 0) throw badRequest("request needs a non-empty 'inputs' array");
  const sizes = binarySizes(body.inputs, tensorBytes);
  const specs = signature.inputsByName;
  const feeds: Record<string, Tensor> = {};
  const binaryInputs: BinaryInputPlan[] = [];
  let offset = 0;
  for (let position = 0; position < body.inputs.length; position++) {
    const input = requireObject(body.inputs[position], `inputs[${position}]`);
    const name = input.name;
    if (typeof name !== "string") throw badRequest(`inputs[${position}] needs a 'name' string`);
    const spec = specs.get(name);
    if (!spec) {
      throw badRequest(`model '${model.name}' has no input '${name}'; its inputs are ${signature.inputs.map((s) => `'${s.name}'`).join(", ")}`);
    }
    if (Object.prototype.hasOwnProperty.call(feeds, name)) throw badRequest(`input '${name}' is given more than once`);
    checkParameters(`input '${name}'`, input.parameters);
    if (!isOipDatatype(input.datatype)) {
      throw badRequest(`input '${name}' has datatype ${JSON.stringify(input.datatype)}; the model expects ${spec.datatype}`);
    }
    if (input.datatype !== spec.datatype) {
      throw badRequest(`input '${name}' has datatype ${input.datatype}; the model expects ${spec.datatype}`);
    }
    const elements = checkShape(name, input.shape, spec, maxElements);
    const size = sizes[position];
    if (size === undefined) {
      feeds[name] = decodeTensor(name, spec.datatype, input.shape as number[], elements, input.data);
      continue;
    }
    if (input.data !== undefined) throw badRequest(`input '${name}' has both JSON 'data' and binary_data_size; send one`);
    if (spec.datatype !== "BYTES") {
      const expected = elements * ELEMENT_BYTES[spec.datatype];
      if (size !== expected) {
        throw badRequest(
          `input '${name}' binary_data_size is ${size} bytes, but shape ${JSON.stringify(input.shape)} of ${spec.datatype} needs ${elements} x ${ELEMENT_BYTES[spec.datatype]} = ${expected}`,
        );
      }
    }
    const binaryInput: BinaryInputPlan = { name, datatype: spec.datatype, shape: input.shape as number[], elements, offset, size };
    feeds[name] = binaryTensor(binaryInput, tensorBytes as Uint8Array);
    binaryInputs.push(binaryInput);
    offset += size;
  }
  if (body.inputs.length < signature.inputs.length) {
    // Every given input was known and given once, so fewer than declared means some are missing.
    const missing = signature.inputs.filter((spec) => !Object.prototype.hasOwnProperty.call(feeds, spec.name));
    throw badRequest(`missing input ${missing.map((spec) => `'${spec.name}'`).join(", ")}`);
  }

  const request = { id, feeds, ...parseRequestedOutputs(body.outputs, model, allBinary) };
  const allInputsBinary = binaryInputs.length === body.inputs.length;
  return { request, plan: allInputsBinary ? { id, outputs: request.outputs, binaryOutputs: request.binaryOutputs, inputs: binaryInputs } : undefined };
}

/** The input's tensor over its bytes in `tensorBytes`; BOOL values and BYTES length prefixes are checked. */
function binaryTensor(input: BinaryInputPlan, tensorBytes: Uint8Array): Tensor {
  const { name, datatype, shape, elements, offset } = input;
  const bytes = tensorBytes.subarray(offset, offset + input.size);
  return datatype === "BYTES" ? createTensor("BYTES", stringsFromBinary(name, elements, bytes), shape) : tensorFromBinary(name, datatype, shape, elements, bytes);
}

/** Headers longer than this are parsed every time rather than kept. */
const MAX_REMEMBERED_HEADER_CHARS = 4096;

/**
 * Binary-extension requests whose JSON header repeats: a client sends the same header text for every
 * request of a shape (tritonclient builds it from the same InferInput objects), and parsing and
 * validating it costs more than building the tensors. The last all-binary header of each model is
 * remembered with its plan; a request with that exact text and byte count skips straight to its
 * tensors, whose BOOL and BYTES contents are still checked every time.
 */
export class BinaryHeaderPlans {
  private readonly remembered = new WeakMap<LoadedModel, { readonly json: string; readonly tensorBytes: number; readonly plan: BinaryRequestPlan }>();

  constructor(private readonly maxElements: number) {}

  parse(model: LoadedModel, json: string, tensorBytes: Uint8Array): ParsedInferRequest {
    const last = this.remembered.get(model);
    if (last !== undefined && last.tensorBytes === tensorBytes.byteLength && last.json === json) {
      const { plan } = last;
      const feeds: Record<string, Tensor> = {};
      for (let position = 0; position < plan.inputs.length; position++) {
        const input = plan.inputs[position];
        feeds[input.name] = binaryTensor(input, tensorBytes);
      }
      return { id: plan.id, feeds, outputs: plan.outputs, binaryOutputs: plan.binaryOutputs };
    }
    const { request, plan } = parseAndPlan(parseJsonBody(json), model, this.maxElements, tensorBytes);
    if (plan !== undefined && json.length <= MAX_REMEMBERED_HEADER_CHARS) this.remembered.set(model, { json, tensorBytes: tensorBytes.byteLength, plan });
    return request;
  }
}

/**
 * A raw binary request (Inference-Header-Content-Length: 0): the whole body is the one input of a
 * single-input model, batch of one, its one dynamic dimension (if any) deduced from the byte count.
 * Every output is answered as binary, as the extension prescribes.
 */
export function parseRawBinaryRequest(model: LoadedModel, maxElements: number, tensorBytes: Uint8Array): ParsedInferRequest {
  const { signature } = model;
  if (signature.inputs.length !== 1) {
    throw badRequest(`a raw binary request (Inference-Header-Content-Length: 0) needs a single-input model; '${model.name}' has ${signature.inputs.length} inputs`);
  }
  const spec = signature.inputs[0];
  const shape = [...(signature.batchOfOneShapes.get(spec.name) as readonly number[])];
  const dynamic = shape.filter((dim) => dim < 0).length;
  if (spec.datatype === "BYTES") {
    if (dynamic > 0 || shape.some((dim) => dim !== 1)) {
      throw badRequest(`a raw binary BYTES input must have shape [1]; input '${spec.name}' is ${JSON.stringify(spec.shape)}`);
    }
    const feeds = { [spec.name]: createTensor("BYTES", stringsFromBinary(spec.name, 1, tensorBytes), shape) };
    return { id: undefined, feeds, outputs: signature.defaultOutputs, binaryOutputs: signature.defaultOutputSet };
  }
  if (dynamic > 1) {
    throw badRequest(`a raw binary request cannot shape input '${spec.name}' ${JSON.stringify(spec.shape)}: more than one dimension is dynamic`);
  }
  const width = ELEMENT_BYTES[spec.datatype];
  const fixed = shape.reduce((product, dim) => (dim < 0 ? product : product * dim), 1);
  const rowBytes = fixed * width;
  if (tensorBytes.byteLength === 0 || tensorBytes.byteLength % rowBytes !== 0 || (dynamic === 0 && tensorBytes.byteLength !== rowBytes)) {
    throw badRequest(
      `a raw binary body of ${tensorBytes.byteLength} bytes does not fit input '${spec.name}' ${JSON.stringify(spec.shape)} of ${spec.datatype} (${rowBytes} bytes per ${dynamic === 0 ? "request" : "step of the dynamic dimension"})`,
    );
  }
  const resolved = shape.map((dim) => (dim < 0 ? tensorBytes.byteLength / rowBytes : dim));
  const elements = checkShape(spec.name, resolved, spec, maxElements);
  const feeds = { [spec.name]: tensorFromBinary(spec.name, spec.datatype, resolved, elements, tensorBytes) };
  return { id: undefined, feeds, outputs: signature.defaultOutputs, binaryOutputs: signature.defaultOutputSet };
}

function parseRequestedOutputs(outputs: unknown, model: LoadedModel, allBinary: boolean): Pick<ParsedInferRequest, "outputs" | "binaryOutputs"> {
  const { signature } = model;
  if (outputs === undefined || (Array.isArray(outputs) && outputs.length === 0)) {
    return { outputs: signature.defaultOutputs, binaryOutputs: allBinary ? signature.defaultOutputSet : NO_BINARY_OUTPUTS };
  }
  if (!Array.isArray(outputs)) throw badRequest("'outputs' must be an array");
  const returnable = signature.outputsByName;
  const names: string[] = [];
  let binaryOutputs = NO_BINARY_OUTPUTS;
  for (let position = 0; position < outputs.length; position++) {
    const output = requireObject(outputs[position], `outputs[${position}]`);
    const name = output.name;
    if (typeof name !== "string") throw badRequest(`outputs[${position}] needs a 'name' string`);
    const parameters = checkParameters(`output '${name}'`, output.parameters);
    if (!returnable.has(name)) {
      const unsupported = signature.unsupportedOutputs.find((candidate) => candidate.name === name);
      throw badRequest(
        unsupported
          ? `output '${name}' cannot be returned: ${unsupported.reason}`
          : `model '${model.name}' has no output '${name}'; its outputs are ${signature.outputs.map((s) => `'${s.name}'`).join(", ")}`,
      );
    }
    if (names.includes(name)) throw badRequest(`output '${name}' is requested more than once`);
    names.push(name);
    if (binaryFlag(`output '${name}'`, parameters, "binary_data") ?? allBinary) {
      if (binaryOutputs === NO_BINARY_OUTPUTS) binaryOutputs = new Set();
      (binaryOutputs as Set<string>).add(name);
    }
  }
  return { outputs: names, binaryOutputs };
}
