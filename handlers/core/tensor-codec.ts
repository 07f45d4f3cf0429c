import { Tensor } from "onnxruntime-node";
import { allocateStorage, INTEGER_RANGES, OIP_TO_ORT, type OipDatatype, type TensorStorage } from "./datatypes";
import { badRequest, payloadTooLarge } from "./errors";
import type { TensorSpec } from "./model-registry";

/** Refuse to allocate more than this many elements for one input tensor (64 MiB of FP32). */
export const DEFAULT_MAX_ELEMENTS = 16 * 1024 * 1024;

type Store = (storage: TensorStorage, index: number, value: unknown) => string | undefined;

/** The smallest magnitude a double rounds up from to an infinite float32: (2 - 2^-24) * 2^127. */
const FP32_OVERFLOW = 3.4028235677973366e38;

const numberExpected = (datatype: string, value: unknown) =>
  `expected ${datatype === "FP32" || datatype === "FP64" ? "a" : "an integer"} ${datatype} number, got ${describe(value)}`;

function describe(value: unknown): string {
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}...` : value)}`;
  if (Array.isArray(value)) return "a nested array";
  if (value === null) return "null";
  return typeof value === "number" ? String(value) : `a ${typeof value}`;
}

function integerStore(datatype: OipDatatype): Store {
  const [min, max] = INTEGER_RANGES[datatype] ?? [0, 0];
  const big = datatype === "INT64" || datatype === "UINT64";
  return (storage, index, value) => {
    if (typeof value !== "number" || !Number.isInteger(value)) return numberExpected(datatype, value);
    if (value < min || value > max) {
      return big
        ? `${value} is outside the exactly representable range of a JSON number (|v| <= 2^53-1) for ${datatype}`
        : `${value} is outside the ${datatype} range [${min}, ${max}]`;
    }
    if (big) (storage as BigInt64Array)[index] = BigInt(value);
    else (storage as Int32Array)[index] = value;
    return undefined;
  };
}

function storeFor(datatype: OipDatatype): Store {
  switch (datatype) {
    case "FP32":
      return (storage, index, value) => {
        if (typeof value !== "number") return numberExpected(datatype, value);
        const array = storage as Float32Array;
        array[index] = value;
        // JSON cannot carry NaN or Infinity, but a finite double can overflow float32.
        return Number.isFinite(array[index]) ? undefined : `${value} is outside the FP32 range`;
      };
    case "FP64":
      return (storage, index, value) => {
        if (typeof value !== "number") return numberExpected(datatype, value);
        (storage as Float64Array)[index] = value;
        return undefined;
      };
    case "BOOL":
      return (storage, index, value) => {
        if (typeof value !== "boolean") return `expected true or false for BOOL, got ${describe(value)}`;
        (storage as Uint8Array)[index] = value ? 1 : 0;
        return undefined;
      };
    case "BYTES":
      return (storage, index, value) => {
        if (typeof value !== "string") return `expected a string for BYTES, got ${describe(value)}`;
        (storage as string[])[index] = value;
        return undefined;
      };
    default:
      return integerStore(datatype);
  }
}

const STORES: Readonly<Record<OipDatatype, Store>> = Object.fromEntries(
  (Object.keys(OIP_TO_ORT) as OipDatatype[]).map((datatype) => [datatype, storeFor(datatype)]),
) as Record<OipDatatype, Store>;

/** Checks a requested shape against the model's declared shape and returns its element count. */
export function checkShape(inputName: string, shape: unknown, spec: TensorSpec, maxElements: number): number {
  if (!Array.isArray(shape)) throw badRequest(`input '${inputName}' needs a 'shape' array`);
  if (shape.length !== spec.shape.length) {
    throw badRequest(`input '${inputName}' has rank ${shape.length} (shape ${JSON.stringify(shape)}); the model expects ${formatShape(spec.shape)}`);
  }
  let elements = 1;
  for (let axis = 0; axis < shape.length; axis++) {
    const dim: unknown = shape[axis];
    if (typeof dim !== "number" || !Number.isInteger(dim) || dim < 0) {
      throw badRequest(`input '${inputName}' shape ${JSON.stringify(shape)}: dimension ${axis} must be a non-negative integer`);
    }
    const declared = spec.shape[axis];
    if (declared >= 0 && dim !== declared) {
      throw badRequest(`input '${inputName}' shape ${JSON.stringify(shape)} does not match the model's ${formatShape(spec.shape)} at dimension ${axis}`);
    }
    elements *= dim;
  }
  if (elements > maxElements) {
    throw payloadTooLarge(`input '${inputName}' shape ${JSON.stringify(shape)} has ${elements} elements; the limit is ${maxElements}`);
  }
  return elements;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.map((dim) => (dim < 0 ? "-1" : String(dim))).join(",")}]`;
}

/**
 * Builds the tensor for one request input in a single pass over `data`, flat or nested to the
 * full rank, writing straight into a typed array sized from the already-checked shape.
 */
export function decodeTensor(inputName: string, datatype: OipDatatype, shape: readonly number[], elements: number, data: unknown): Tensor {
  if (!Array.isArray(data)) throw badRequest(`input '${inputName}' needs a 'data' array`);
  const storage = allocateStorage(datatype, elements);
  const store = STORES[datatype];
  const nested = shape.length > 1 && data.length > 0 && Array.isArray(data[0]);
  if (!nested) {
    if (data.length !== elements) {
      throw badRequest(`input '${inputName}' has ${data.length} values, but shape ${JSON.stringify(shape)} needs ${elements}`);
    }
    if (datatype === "FP32") {
      // The common case, inlined: one type check and one range check per element, on the double itself.
      const array = storage as Float32Array;
      for (let index = 0; index < elements; index++) {
        const value = data[index];
        if (typeof value !== "number" || !(value < FP32_OVERFLOW && value > -FP32_OVERFLOW)) {
          throw badRequest(`input '${inputName}' value ${index}: ${STORES.FP32(storage, index, value)}`);
        }
        array[index] = value;
      }
      return createTensor(datatype, storage, shape);
    }
    for (let index = 0; index < elements; index++) {
      const problem = store(storage, index, data[index]);
      if (problem !== undefined) throw badRequest(`input '${inputName}' value ${index}: ${problem}`);
    }
  } else {
    let written = 0;
    const walk = (node: unknown, depth: number, path: string): void => {
      if (!Array.isArray(node) || node.length !== shape[depth]) {
        throw badRequest(
          `input '${inputName}' data${path} must be an array of ${shape[depth]} (shape ${JSON.stringify(shape)}), got ${Array.isArray(node) ? `${node.length} items` : describe(node)}`,
        );
      }
      if (depth === shape.length - 1) {
        for (let index = 0; index < node.length; index++) {
          const problem = store(storage, written, node[index]);
          if (problem !== undefined) throw badRequest(`input '${inputName}' data${path}[${index}]: ${problem}`);
          written++;
        }
        return;
      }
      for (let index = 0; index < node.length; index++) walk(node[index], depth + 1, `${path}[${index}]`);
    };
    walk(data, 0, "");
  }
  return createTensor(datatype, storage, shape);
}

/** Builds a tensor from canonical query values (see handlers/shared/canonical-query.ts). */
export function tensorFromCanonical(datatype: OipDatatype, values: readonly string[], shape: readonly number[]): Tensor {
  const storage = allocateStorage(datatype, values.length);
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (datatype === "BYTES") (storage as string[])[index] = value;
    else if (datatype === "INT64" || datatype === "UINT64") (storage as BigInt64Array)[index] = BigInt(value);
    else if (datatype === "BOOL") (storage as Uint8Array)[index] = value === "true" ? 1 : 0;
    else (storage as Float64Array)[index] = Number(value);
  }
  return createTensor(datatype, storage, shape);
}

export function createTensor(datatype: OipDatatype, storage: TensorStorage, shape: readonly number[]): Tensor {
  return new Tensor(OIP_TO_ORT[datatype], storage as Float32Array, shape);
}

/** JSON text for one output tensor's data, flat and row-major; int64 stays exact in the text. */
export function encodeTensorData(tensor: Tensor): string {
  const data = tensor.data;
  switch (tensor.type) {
    case "float32":
    case "float64":
      // JSON.stringify writes NaN and Infinity as null, which keeps the response valid JSON.
      return JSON.stringify(Array.from(data as Float32Array));
    case "string":
      return JSON.stringify(data);
    case "bool":
      return JSON.stringify(Array.from(data as Uint8Array, (value) => value !== 0));
    default:
      return `[${(data as Int32Array).join(",")}]`;
  }
}
