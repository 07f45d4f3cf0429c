/**
 * Runtime latency budget check (prints figures, never fails):
 *   JSON:   raw session.run  <  minimal JSON handler (~1.7-1.8x raw)  <  edge adapter (budget: p50 <= 1.15x minimal)
 *   binary: edge adapter on a tritonclient-style binary request (budget: p50 <= 1.3x raw session.run)
 * Handlers log with the production logger, each line written to /dev/null with a real write(2).
 * All variants use one model session, the same input and process, measured in interleaved rounds.
 * Run: npx tsx ops/bench/runtime.ts [iterations]
 */
import { openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { CloudFrontRequestEvent, CloudFrontResultResponse } from "aws-lambda";
import * as ort from "onnxruntime-node";
import { InferenceRuntime, type LoadedModel } from "../../handlers/core";
import { createJsonLinesLogger } from "../../handlers/core/logger";
import { LOCAL_CACHE_DEFAULTS, modelConfigFromFile } from "../../handlers/core/local-models";
import { createEdgeHandler } from "../../handlers/edge/adapter";

const FIXTURES = join(__dirname, "../../../shared/fixtures");
const MODELS = join(FIXTURES, "models");

/** The production logger, writing each line with a real write(2) as it would to Lambda's stdout. */
const devNull = openSync("/dev/null", "w");
const productionLogger = createJsonLinesLogger({ service: "edge-inference", write: (line) => void writeSync(devNull, line) });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const RUNTIME_VARIANTS = ["raw session.run", "minimal JSON handler", "edge JSON", "edge binary", "core binary"] as const;
export type RuntimeVariant = (typeof RUNTIME_VARIANTS)[number];

/** Latency per variant in microseconds, from one process and one interleaved run. */
export interface RuntimeFigures {
  readonly iterations: number;
  readonly latencyUs: Readonly<Record<RuntimeVariant, { readonly p50: number; readonly p90: number; readonly p99: number }>>;
  /** Outputs of the edge handler (JSON and binary) equal raw session.run's. */
  readonly identical: boolean;
}

/** Measures every variant on mnist with one shared session; `iterations` per variant, in 10 interleaved rounds. */
export async function measureRuntime(iterations = 3000): Promise<RuntimeFigures> {
  const { samples } = JSON.parse(readFileSync(join(MODELS, "data/mnist-20-samples.json"), "utf8")) as { samples: { pixels: number[] }[] };
  const pixels = samples[7].pixels;
  const request = { id: "bench", inputs: [{ name: "Input3", datatype: "FP32", shape: [1, 1, 28, 28], data: pixels }] };
  const base64Body = Buffer.from(JSON.stringify(request)).toString("base64");

  const config = { schemaVersion: 1 as const, models: [modelConfigFromFile(MODELS, "mnist", "mnist.onnx")], cache: LOCAL_CACHE_DEFAULTS };
  const runtime = await new InferenceRuntime({ config, root: MODELS, logger: productionLogger }).loadAll();
  // One ONNX Runtime session for every variant: separate sessions differ by a few microseconds on their own.
  const { session } = (await runtime.registry.get("mnist")) as LoadedModel;
  const rawInput = new ort.Tensor("float32", Float32Array.from(pixels), [1, 1, 28, 28]);
  const raw = async () => session.run({ Input3: rawInput });

  // What "the least a JSON handler does" means: no validation, no routing, no logging.
  const minimal = async () => {
    const body = JSON.parse(Buffer.from(base64Body, "base64").toString("utf8"));
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of body.inputs) feeds[input.name] = new ort.Tensor("float32", Float32Array.from(input.data as number[]), input.shape);
    const results = await session.run(feeds);
    return JSON.stringify({
      model_name: "mnist",
      id: body.id,
      outputs: Object.entries(results).map(([name, tensor]) => ({ name, datatype: "FP32", shape: tensor.dims, data: Array.from(tensor.data as Float32Array) })),
    });
  };

  const edgeEvent = JSON.parse(readFileSync(join(FIXTURES, "events/derived/cloudfront-origin-request-oip-infer-post.json"), "utf8")) as CloudFrontRequestEvent;
  Object.assign(edgeEvent.Records[0].cf.request, { uri: "/v2/models/mnist/infer" });
  edgeEvent.Records[0].cf.request.body = { action: "read-only", encoding: "base64", inputTruncated: false, data: base64Body };
  const edge = createEdgeHandler({ runtime });

  // The binary tensor extension as tritonclient sends it: JSON header, raw float32 bytes, all outputs binary.
  const header = Buffer.from(JSON.stringify({ inputs: [{ name: "Input3", shape: [1, 1, 28, 28], datatype: "FP32", parameters: { binary_data_size: 784 * 4 } }], parameters: { binary_data_output: true } }));
  const binaryEvent = structuredClone(edgeEvent);
  const binaryRequest = binaryEvent.Records[0].cf.request;
  delete binaryRequest.headers["content-type"];
  binaryRequest.headers["inference-header-content-length"] = [{ key: "Inference-Header-Content-Length", value: String(header.length) }];
  const binaryBody = Buffer.concat([header, Buffer.from(Float32Array.from(pixels).buffer)]);
  binaryRequest.body = { action: "read-only", encoding: "base64", inputTruncated: false, data: binaryBody.toString("base64") };
  const binaryHeaders = { "inference-header-content-length": String(header.length) };

  // Outputs must be identical to raw session.run.
  const expected = Array.from((await raw()).Plus214_Output_0.data as Float32Array);
  const served = JSON.parse(((await edge(edgeEvent)) as CloudFrontResultResponse).body as string).outputs[0].data;
  const binaryResponse = (await edge(binaryEvent)) as CloudFrontResultResponse;
  const answer = Buffer.from(binaryResponse.body as string, "base64");
  const headerLength = Number(binaryResponse.headers?.["inference-header-content-length"]?.[0].value);
  const binaryServed = Array.from(new Float32Array(answer.buffer.slice(answer.byteOffset + headerLength, answer.byteOffset + answer.length)));
  const identical = JSON.stringify(served) === JSON.stringify(expected) && JSON.stringify(binaryServed) === JSON.stringify(expected);

  const variants: [string, () => Promise<unknown>][] = [
    ["raw session.run", raw],
    ["minimal JSON handler", minimal],
    ["edge JSON", () => edge(edgeEvent)],
    ["edge binary", () => edge(binaryEvent)],
    ["core binary", () => runtime.handle({ method: "POST", path: "/v2/models/mnist/infer", headers: binaryHeaders, body: binaryBody })],
  ];
  const timings = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  for (let i = 0; i < 300; i++) for (const [, run] of variants) await run();
  const rounds = 10;
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of variants) {
      const list = timings.get(name)!;
      for (let i = 0; i < iterations / rounds; i++) {
        const started = process.hrtime.bigint();
        await run();
        list.push(Number(process.hrtime.bigint() - started) / 1000);
      }
    }
  }

  const latencyUs = {} as Record<RuntimeVariant, { p50: number; p90: number; p99: number }>;
  for (const [name] of variants) {
    const sorted = timings.get(name)!.sort((a, b) => a - b);
    latencyUs[name as RuntimeVariant] = { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99) };
  }
  return { iterations, latencyUs, identical };
}

export function printRuntime(figures: RuntimeFigures): void {
  console.log(`mnist, ${figures.iterations} iterations per variant, node ${process.version}, onnxruntime-node ${ort.env.versions.node ?? "?"}`);
  console.log("variant                          p50 us    p90 us    p99 us");
  for (const name of RUNTIME_VARIANTS) {
    const { p50, p90, p99 } = figures.latencyUs[name];
    console.log(`${name.padEnd(30)} ${p50.toFixed(1).padStart(8)}  ${p90.toFixed(1).padStart(8)}  ${p99.toFixed(1).padStart(8)}`);
  }
  const ratio = (a: RuntimeVariant, b: RuntimeVariant) => (figures.latencyUs[a].p50 / figures.latencyUs[b].p50).toFixed(3);
  console.log(`minimal / raw               = ${ratio("minimal JSON handler", "raw session.run")}x (expected ~1.7-1.8x)`);
  console.log(`edge JSON / minimal         = ${ratio("edge JSON", "minimal JSON handler")}x (budget <= 1.15x)`);
  console.log(`edge binary / raw           = ${ratio("edge binary", "raw session.run")}x (budget <= 1.3x)`);
  console.log(`core binary / raw           = ${ratio("core binary", "raw session.run")}x`);
  console.log(`outputs identical to raw session.run (JSON and binary): ${figures.identical}`);
}

if (require.main === module) {
  measureRuntime(Number(process.argv[2] ?? 3000)).then(printRuntime, (error: unknown) => {
    console.error(error);
    process.exitCode = 0;
  });
}
