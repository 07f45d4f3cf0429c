import { Tensor } from "onnxruntime-node";
import { OIP_TO_ORT, TYPED_ARRAY_OF, type FixedWidthDatatype } from "./datatypes";
import { badRequest } from "./errors";

/**
 * The Open Inference Protocol's binary tensor data extension (Triton's extension_binary_data.md):
 * a JSON header of `Inference-Header-Content-Length` bytes, then each binary tensor's raw bytes in
 * input order: little-endian, row-major, native width; BYTES elements as a uint32 length + bytes.
 */
export const BINARY_HEADER_LENGTH = "inference-header-content-length";
export const BINARY_CONTENT_TYPE = "application/octet-stream";
export const BINARY_EXTENSION = "binary_tensor_data";

/** Bytes per element of each fixed-width datatype on the wire, which is its typed array's width. */
export const ELEMENT_BYTES: Readonly<Record<FixedWidthDatatype, number>> = Object.fromEntries(
  Object.entries(TYPED_ARRAY_OF).map(([datatype, array]) => [datatype, array.BYTES_PER_ELEMENT]),
) as Record<FixedWidthDatatype, number>;

// Typed arrays use the machine's byte order; the extension's is little-endian. Lambda (x86_64) is little-endian.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface SplitBody {
  /** The JSON inference header, or undefined for a raw binary request (header length 0). */
  readonly json: string | undefined;
  /** Everything after the header: the binary tensors, back to back. */
  readonly tensorBytes: Uint8Array;
}

/** Splits a binary-extension body at `Inference-Header-Content-Length`, checked against the body. */
export function splitBinaryBody(body: Uint8Array, headerLength: string): SplitBody {
  if (!LITTLE_ENDIAN) throw badRequest("binary tensor data needs a little-endian host");
  const text = headerLength.trim();
  if (!/^\d{1,15}$/.test(text)) {
    throw badRequest(`Inference-Header-Content-Length must be a non-negative integer number of bytes, got ${JSON.stringify(headerLength.slice(0, 32))}`);
  }
  const length = Number(text);
  if (length > body.byteLength) {
    throw badRequest(`Inference-Header-Content-Length is ${length}, but the body has only ${body.byteLength} bytes`);
  }
  const json = length === 0 ? undefined : Buffer.from(body.buffer, body.byteOffset, length).toString("utf8");
  return { json, tensorBytes: body.subarray(length) };
}

/**
 * A tensor over the received bytes: a view when the offset suits the element width, else one copy.
 * The caller has checked that `bytes` holds exactly `elements` elements.
 */
export function tensorFromBinary(inputName: string, datatype: FixedWidthDatatype, shape: readonly number[], elements: number, bytes: Uint8Array): Tensor {
  const width = ELEMENT_BYTES[datatype];
  // new Uint8Array(view) copies into a fresh, aligned buffer (Buffer#slice would not copy).
  const aligned = bytes.byteOffset % width === 0 ? bytes : new Uint8Array(bytes);
  if (datatype === "BOOL") {
    for (let index = 0; index < aligned.length; index++) {
      if (aligned[index] > 1) throw badRequest(`input '${inputName}' byte ${index} is ${aligned[index]}; BOOL elements are one byte, 0 or 1`);
    }
  }
  const data = new TYPED_ARRAY_OF[datatype](aligned.buffer, aligned.byteOffset, elements);
  return new Tensor(OIP_TO_ORT[datatype], data as Float32Array, shape);
}

/** BYTES elements: each a little-endian uint32 length and that many bytes, exactly filling `bytes`. */
export function stringsFromBinary(inputName: string, elements: number, bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const strings = new Array<string>(elements);
  let offset = 0;
  for (let index = 0; index < elements; index++) {
    if (offset + 4 > bytes.byteLength) {
      throw badRequest(`input '${inputName}' BYTES data ends before element ${index} of ${elements} (no room for its 4-byte length)`);
    }
    const length = view.getUint32(offset, true);
    offset += 4;
    if (length > bytes.byteLength - offset) {
      throw badRequest(`input '${inputName}' BYTES element ${index} declares ${length} bytes, but only ${bytes.byteLength - offset} remain`);
    }
    strings[index] = Buffer.from(bytes.buffer, bytes.byteOffset + offset, length).toString("utf8");
    offset += length;
  }
  if (offset !== bytes.byteLength) {
    throw badRequest(`input '${inputName}' BYTES data has ${bytes.byteLength - offset} bytes left over after its ${elements} elements`);
  }
  return strings;
}

/** The raw bytes of an output tensor in the extension's layout; typed arrays are not copied. */
export function binaryOfTensor(tensor: Tensor): Uint8Array {
  const data = tensor.data;
  if (Array.isArray(data)) {
    const encoded = data.map((value) => Buffer.from(String(value), "utf8"));
    const out = Buffer.allocUnsafe(encoded.reduce((total, item) => total + 4 + item.length, 0));
    let offset = 0;
    for (const item of encoded) {
      out.writeUInt32LE(item.length, offset);
      item.copy(out, offset + 4);
      offset += 4 + item.length;
    }
    return out;
  }
  const view = data as ArrayBufferView;
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
