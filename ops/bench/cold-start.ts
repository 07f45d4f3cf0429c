/**
 * Cold start and size figures for the edge handler zip. Prints, never fails.
 *   npx tsx ops/bench/cold-start.ts [runs]
 * Cold start: a fresh node process per run, from require(index.js) to the first response, against
 * the raw floor on the same files (require onnxruntime-node, create the session, run once).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { deflateRawSync, constants } from "node:zlib";
import { unzipSync } from "fflate";
import { buildHandlerBundles } from "../../src/build/index";
import { loadEnvironment } from "../../src/config/load";

const PROJECT_ROOT = resolve(__dirname, "../..");
const EVENT_FILE = resolve(PROJECT_ROOT, "../shared/fixtures/events/derived/cloudfront-origin-request-oip-infer-post.json");

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function runNode(cwd: string, script: string, args: string[]): number {
  const stdout = execFileSync(process.execPath, ["-e", script, ...args], { cwd, env: { PATH: process.env.PATH ?? "", NODE_PATH: "", LAMBDA_TASK_ROOT: cwd } });
  const lines = stdout.toString("utf8").trim().split("\n");
  return Number(lines[lines.length - 1]);
}

const HANDLER_SCRIPT = `
const event = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
const started = performance.now();
require("./index.js").handler(event).then((response) => {
  if (response.status !== "200") throw new Error("status " + response.status + ": " + response.body);
  process.stdout.write("\\n" + (performance.now() - started));
});
`;

const RAW_SCRIPT = `
const started = performance.now();
const ort = require("onnxruntime-node");
ort.InferenceSession.create(process.argv[1]).then(async (session) => {
  const features = new ort.Tensor("float32", Float32Array.from(JSON.parse(process.argv[2])), [3, 4]);
  await session.run({ features });
  process.stdout.write("\\n" + (performance.now() - started));
});
`;

export interface ZipFigures {
  readonly zipBytes: number;
  readonly unzippedBytes: number;
  readonly fileCount: number;
  readonly sourceCodeHash: string;
}

export interface ColdStartFigures {
  readonly buildFirstMs: number;
  readonly buildCached: boolean;
  readonly buildUnchangedMs: number;
  readonly zips: { readonly edge: ZipFigures; readonly regional: ZipFigures };
  /** Each file of the edge zip deflated at zlib level 9, without zip headers. */
  readonly edgeFloorBytes: number;
  /** `zip -9 -X` of the same files, when info-zip is installed. */
  readonly infoZipBytes?: number;
  readonly runs: number;
  readonly handlerMs: readonly number[];
  readonly rawMs: readonly number[];
  readonly handlerMedianMs: number;
  readonly rawMedianMs: number;
}

/** Builds (or reuses) the dev zips, sizes the edge zip against its floor and times `runs` fresh processes of each kind. */
export async function measureColdStart(runs = 7): Promise<ColdStartFigures> {
  const { config, models } = loadEnvironment("dev", { configDir: join(PROJECT_ROOT, "config"), modelsRoot: join(PROJECT_ROOT, "models") });
  let started = performance.now();
  const bundles = await buildHandlerBundles({ projectRoot: PROJECT_ROOT, config, models, progress: { step: () => {}, done: () => {} } });
  const buildFirstMs = performance.now() - started;
  started = performance.now();
  await buildHandlerBundles({ projectRoot: PROJECT_ROOT, config, models, progress: { step: () => {}, done: () => {} } });
  const buildUnchangedMs = performance.now() - started;

  const zip = readFileSync(bundles.edge.zipPath);
  const files = unzipSync(zip);
  let floor = 0;
  for (const [path, data] of Object.entries(files)) {
    if (!path.endsWith("/")) floor += deflateRawSync(data, { level: constants.Z_BEST_COMPRESSION }).length;
  }
  const zipFigures = (fn: "edge" | "regional"): ZipFigures => {
    const bundle = bundles[fn];
    return { zipBytes: bundle.zipBytes, unzippedBytes: bundle.unzippedBytes, fileCount: bundle.fileCount, sourceCodeHash: bundle.sourceCodeHash };
  };

  const dir = mkdtempSync(join(tmpdir(), "edge-inference-bench-"));
  try {
    for (const [path, data] of Object.entries(files)) {
      if (path.endsWith("/")) continue;
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), data);
    }
    let infoZipBytes: number | undefined;
    try {
      const infoZip = join(dir, "..", `${dir.split("/").pop()}.info-zip-9.zip`);
      execFileSync("zip", ["-9", "-q", "-X", "-r", infoZip, "."], { cwd: dir });
      infoZipBytes = readFileSync(infoZip).length;
      rmSync(infoZip, { force: true });
    } catch {
      infoZipBytes = undefined;
    }
    const event = JSON.parse(readFileSync(EVENT_FILE, "utf8"));
    const rows = [5.1, 3.5, 1.4, 0.2, 5, 2, 3.5, 1, 6.9, 3.2, 5.7, 2.3];
    const body = JSON.stringify({ inputs: [{ name: "features", shape: [3, 4], datatype: "FP32", data: rows }] });
    const request = event.Records[0].cf.request;
    request.uri = "/v2/models/iris/infer";
    request.body.data = Buffer.from(body).toString("base64");
    request.headers["content-length"][0].value = String(Buffer.byteLength(body));
    const eventFile = join(dir, "..", `${dir.split("/").pop()}.event.json`);
    writeFileSync(eventFile, JSON.stringify(event));
    const modelFile = join(dir, "models/iris/model.onnx");
    const handlerMs: number[] = [];
    const rawMs: number[] = [];
    for (let run = 0; run < runs; run++) {
      // Interleaved, so drift in machine load hits both sides alike.
      handlerMs.push(runNode(dir, HANDLER_SCRIPT, [eventFile]));
      rawMs.push(runNode(dir, RAW_SCRIPT, [modelFile, JSON.stringify(rows)]));
    }
    rmSync(eventFile, { force: true });
    return {
      buildFirstMs,
      buildCached: bundles.edge.cached && bundles.regional.cached,
      buildUnchangedMs,
      zips: { edge: zipFigures("edge"), regional: zipFigures("regional") },
      edgeFloorBytes: floor,
      infoZipBytes,
      runs,
      handlerMs,
      rawMs,
      handlerMedianMs: median(handlerMs),
      rawMedianMs: median(rawMs),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printColdStart(figures: ColdStartFigures): void {
  console.log(`build: first call ${(figures.buildFirstMs / 1000).toFixed(2)} s (${figures.buildCached ? "cache hit" : "built"}), unchanged rebuild ${figures.buildUnchangedMs.toFixed(0)} ms (budget 10 s)`);
  for (const fn of ["edge", "regional"] as const) {
    const zip = figures.zips[fn];
    console.log(`${fn} zip: ${zip.zipBytes.toLocaleString("en-US")} bytes zipped, ${zip.unzippedBytes.toLocaleString("en-US")} unzipped, ${zip.fileCount} files, CodeSha256 ${zip.sourceCodeHash}`);
  }
  const edgeBytes = figures.zips.edge.zipBytes;
  console.log(`edge floor (each file's contents at zlib level 9, no zip headers): ${figures.edgeFloorBytes.toLocaleString("en-US")} bytes; edge zip / floor = ${(edgeBytes / figures.edgeFloorBytes).toFixed(3)} (budget 1.05)`);
  if (figures.infoZipBytes === undefined) console.log("info-zip not installed; skipped that comparison");
  else console.log(`info-zip "zip -9 -X" of the same files: ${figures.infoZipBytes.toLocaleString("en-US")} bytes; edge zip / that = ${(edgeBytes / figures.infoZipBytes).toFixed(3)}`);
  console.log(
    `cold start, median of ${figures.runs} fresh processes: handler require -> first response ${figures.handlerMedianMs.toFixed(1)} ms; raw ORT require + session + run ${figures.rawMedianMs.toFixed(1)} ms; ratio ${(figures.handlerMedianMs / figures.rawMedianMs).toFixed(2)} (budget 1.2)`,
  );
  console.log(`  handler runs: ${figures.handlerMs.map((ms) => ms.toFixed(1)).join(", ")}`);
  console.log(`  raw runs:     ${figures.rawMs.map((ms) => ms.toFixed(1)).join(", ")}`);
}

if (require.main === module) {
  measureColdStart(Number(process.argv[2] ?? 7)).then(printColdStart, (error: unknown) => {
    const problems = (error as { problems?: string[] }).problems;
    console.log(`bench could not finish: ${problems ? problems.join("; ") : error instanceof Error ? error.message : String(error)}`);
  });
}
