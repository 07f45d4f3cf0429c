import type { Tensor } from "onnxruntime-node";
import { isOipDatatype } from "./datatypes";
import { badRequest, unsupportedMediaType } from "./errors";
import type { LoadedModel } from "./model-registry";
import { checkShape, decodeTensor } from "./tensor-codec";

export interface ParsedInferRequest {
  readonly id: string | undefined;
  readonly feeds: Record<string, Tensor>;
  readonly outputs: readonly string[];
}

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;

/**
 * Accepts a JSON body or none declared (tritonclient sends no Content-Type); refuses other media
 * types and Triton's binary tensor extension, which this runtime does not implement.
 */
export function checkContentType(headers: Readonly<Record<string, string | undefined>>): void {
  if (headers["inference-header-content-length"] !== undefined) {
    throw unsupportedMediaType("the binary tensor data extension (Inference-Header-Content-Length) is not supported; send JSON 'data'");
  }
  const contentType = headers["content-type"];
  if (contentType === undefined || contentType.trim() === "") return;
  const mediaType = contentType.split(";")[0].trim().toLowerCase();
  if (!JSON_MEDIA_TYPE.test(mediaType)) {
    throw unsupportedMediaType(`content type '${mediaType}' is not supported; send application/json`);
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
  for (const [key, value] of Object.entries(parameters)) {
    if (!["string", "number", "boolean"].includes(typeof value)) {
      throw badRequest(`${where} parameter '${key}' must be a string, number or boolean`);
    }
  }
  return parameters as Record<string, unknown>;
}

function requireObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw badRequest(`${what} must be an object`);
  return value as Record<string, unknown>;
}

/** Validates an OIP inference request against the model and builds its input tensors. */
export function parseInferRequest(body: Record<string, unknown>, model: LoadedModel, maxElements: number): ParsedInferRequest {
  const { signature } = model;
  const id = body.id;
  if (id !== undefined && typeof id !== "string") throw badRequest("'id' must be a string");
  checkParameters("request", body.parameters);

  if (!Array.isArray(body.inputs) || body.inputs.length === 0) throw badRequest("request needs a non-empty 'inputs' array");
  const specs = signature.inputsByName;
  const feeds: Record<string, Tensor> = {};
  for (let position = 0; position < body.inputs.length; position++) {
    const input = requireObject(body.inputs[position], `inputs[${position}]`);
    const name = input.name;
    if (typeof name !== "string") throw badRequest(`inputs[${position}] needs a 'name' string`);
    const spec = specs.get(name);
    if (!spec) {
      throw badRequest(`model '${model.name}' has no input '${name}'; its inputs are ${signature.inputs.map((s) => `'${s.name}'`).join(", ")}`);
    }
    if (Object.prototype.hasOwnProperty.call(feeds, name)) throw badRequest(`input '${name}' is given more than once`);
    const parameters = checkParameters(`input '${name}'`, input.parameters);
    if (parameters?.binary_data_size !== undefined) {
      throw badRequest(`input '${name}' uses the binary tensor data extension, which is not supported; send JSON 'data'`);
    }
    if (!isOipDatatype(input.datatype)) {
      throw badRequest(`input '${name}' has datatype ${JSON.stringify(input.datatype)}; the model expects ${spec.datatype}`);
    }
    if (input.datatype !== spec.datatype) {
      throw badRequest(`input '${name}' has datatype ${input.datatype}; the model expects ${spec.datatype}`);
    }
    const elements = checkShape(name, input.shape, spec, maxElements);
    feeds[name] = decodeTensor(name, spec.datatype, input.shape as number[], elements, input.data);
  }
  if (body.inputs.length < signature.inputs.length) {
    // Every given input was known and given once, so fewer than declared means some are missing.
    const missing = signature.inputs.filter((spec) => !Object.prototype.hasOwnProperty.call(feeds, spec.name));
    throw badRequest(`missing input ${missing.map((spec) => `'${spec.name}'`).join(", ")}`);
  }

  return { id, feeds, outputs: parseRequestedOutputs(body.outputs, model) };
}

function parseRequestedOutputs(outputs: unknown, model: LoadedModel): readonly string[] {
  const { signature } = model;
  if (outputs === undefined) return signature.defaultOutputs;
  if (!Array.isArray(outputs)) throw badRequest("'outputs' must be an array");
  const returnable = signature.outputsByName;
  const names: string[] = [];
  for (let position = 0; position < outputs.length; position++) {
    const output = requireObject(outputs[position], `outputs[${position}]`);
    const name = output.name;
    if (typeof name !== "string") throw badRequest(`outputs[${position}] needs a 'name' string`);
    // tritonclient asks for binary_data by default; the JSON answer it then gets is one it reads too.
    checkParameters(`output '${name}'`, output.parameters);
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
  }
  return names.length > 0 ? names : signature.defaultOutputs;
}
