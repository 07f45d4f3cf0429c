import type { Tensor } from "onnxruntime-node";
import { SMALL_INTEGER_RANGES } from "../shared/canonical-query";

/** OIP datatypes this runtime can exchange with ONNX Runtime, and their ONNX Runtime tensor types. */
export const OIP_TO_ORT = {
  BOOL: "bool",
  UINT8: "uint8",
  UINT16: "uint16",
  UINT32: "uint32",
  UINT64: "uint64",
  INT8: "int8",
  INT16: "int16",
  INT32: "int32",
  INT64: "int64",
  FP32: "float32",
  FP64: "float64",
  BYTES: "string",
} as const satisfies Record<string, Tensor.Type>;

export type OipDatatype = keyof typeof OIP_TO_ORT;

const ORT_TO_OIP: ReadonlyMap<string, OipDatatype> = new Map(
  Object.entries(OIP_TO_ORT).map(([oip, ort]) => [ort, oip as OipDatatype]),
);

export function oipDatatypeOf(ortType: string): OipDatatype | undefined {
  return ORT_TO_OIP.get(ortType);
}

export function isOipDatatype(value: unknown): value is OipDatatype {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(OIP_TO_ORT, value);
}

/** Inclusive ranges of the integer types that fit a JS number exactly. */
export const INTEGER_RANGES: Readonly<Partial<Record<OipDatatype, readonly [number, number]>>> = {
  ...SMALL_INTEGER_RANGES,
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
};

export type TensorStorage =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | string[];

export type FixedWidthDatatype = Exclude<OipDatatype, "BYTES">;

type TypedArrayConstructor = {
  new (length: number): Exclude<TensorStorage, string[]>;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): Exclude<TensorStorage, string[]>;
  readonly BYTES_PER_ELEMENT: number;
};

/** The typed array that holds each fixed-width datatype, as ONNX Runtime for Node takes it (BOOL as bytes). */
export const TYPED_ARRAY_OF: Readonly<Record<FixedWidthDatatype, TypedArrayConstructor>> = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  INT8: Int8Array,
  UINT16: Uint16Array,
  INT16: Int16Array,
  UINT32: Uint32Array,
  INT32: Int32Array,
  FP32: Float32Array,
  UINT64: BigUint64Array,
  INT64: BigInt64Array,
  FP64: Float64Array,
};

export function allocateStorage(datatype: OipDatatype, length: number): TensorStorage {
  return datatype === "BYTES" ? new Array<string>(length) : new TYPED_ARRAY_OF[datatype](length);
}
