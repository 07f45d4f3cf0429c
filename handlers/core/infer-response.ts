import type { Tensor } from "onnxruntime-node";
import { binaryOfTensor } from "./binary-tensors";
import { NO_BINARY_OUTPUTS } from "./infer-request";
import type { LoadedModel } from "./model-registry";
import { encodeTensorData } from "./tensor-codec";

/** The JSON text every answer of a model repeats, built once per loaded model. */
interface ResponseTemplate {
  /** `{"model_name":...,"model_version":...` */
  readonly head: string;
  /** Per output: `{"name":...,"datatype":...,"shape":` */
  readonly outputHeads: ReadonlyMap<string, string>;
}

const templates = new WeakMap<LoadedModel, ResponseTemplate>();

function templateOf(model: LoadedModel): ResponseTemplate {
  let template = templates.get(model);
  if (template === undefined) {
    template = {
      head: `{"model_name":${JSON.stringify(model.name)},"model_version":${JSON.stringify(model.version)}`,
      outputHeads: new Map(model.signature.outputs.map((spec) => [spec.name, `{"name":${JSON.stringify(spec.name)},"datatype":"${spec.datatype}","shape":`])),
    };
    templates.set(model, template);
  }
  return template;
}

/**
 * The response JSON: the whole answer, or a binary answer's header, where each output in
 * `binaryOutputs` carries binary_data_size instead of data and its bytes are appended to `chunks`.
 */
function responseJson(
  model: LoadedModel,
  id: string | undefined,
  outputs: readonly string[],
  results: Record<string, Tensor>,
  binaryOutputs: ReadonlySet<string>,
  chunks: Uint8Array[],
): string {
  const { head, outputHeads } = templateOf(model);
  let parts = "";
  for (const name of outputs) {
    const tensor = results[name];
    parts += `${parts === "" ? "" : ","}${outputHeads.get(name)}${JSON.stringify(tensor.dims)}`;
    if (binaryOutputs.has(name)) {
      const bytes = binaryOfTensor(tensor);
      chunks.push(bytes);
      parts += `,"parameters":{"binary_data_size":${bytes.byteLength}}}`;
    } else {
      parts += `,"data":${encodeTensorData(tensor)}}`;
    }
  }
  return `${head}${id === undefined ? "" : `,"id":${JSON.stringify(id)}`},"outputs":[${parts}]}`;
}

/** The OIP inference response with every output's data as JSON. */
export function inferResponse(model: LoadedModel, id: string | undefined, outputs: readonly string[], results: Record<string, Tensor>): string {
  return responseJson(model, id, outputs, results, NO_BINARY_OUTPUTS, []);
}

/** A binary-extension answer (application/octet-stream) and its JSON header's size. */
export interface BinaryInferResponse {
  readonly body: Uint8Array;
  /** The value of Inference-Header-Content-Length: the JSON header's size in bytes. */
  readonly headerLength: number;
}

/**
 * The binary-extension answer: a JSON header whose binary outputs carry binary_data_size instead of
 * data, then those outputs' bytes in order; Inference-Header-Content-Length gives the header's size.
 */
export function binaryInferResponse(
  model: LoadedModel,
  id: string | undefined,
  outputs: readonly string[],
  binaryOutputs: ReadonlySet<string>,
  results: Record<string, Tensor>,
): BinaryInferResponse {
  const chunks: Uint8Array[] = [];
  const header = responseJson(model, id, outputs, results, binaryOutputs, chunks);
  const headerLength = Buffer.byteLength(header);
  let binaryBytes = 0;
  for (const chunk of chunks) binaryBytes += chunk.byteLength;
  const body = Buffer.allocUnsafe(headerLength + binaryBytes);
  let offset = body.write(header, 0, "utf8");
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { body, headerLength };
}
