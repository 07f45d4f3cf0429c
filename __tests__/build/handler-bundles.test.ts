/**
 * Builds the real handlers into zips and treats those zips as Terraform would upload them:
 * unzipped into an empty folder outside the repo and run by a fresh node process.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { unzipSync } from "fflate";
import { buildHandlerBundles, type HandlerBundles } from "../../src/build/index";
import { silentProgress } from "../../src/build/progress";
import { IRIS_MODEL_DIR, MATMUL_MODEL, PROJECT_ROOT, SHARED_FIXTURES, makeTempProject, type TempProject } from "./temp-project";

const EVENTS = join(SHARED_FIXTURES, "events/derived");
const MODELS = { iris: { from: IRIS_MODEL_DIR, serve: "edge" as const }, matmul: { from: MATMUL_MODEL, serve: "regional" as const } };
// The fixtures' three rows: a setosa, a versicolor and a virginica.
const IRIS_ROWS = [5.1, 3.5, 1.4, 0.2, 5, 2, 3.5, 1, 6.9, 3.2, 5.7, 2.3];
const IRIS_REQUEST = JSON.stringify({ id: "iris-1", inputs: [{ name: "features", shape: [3, 4], datatype: "FP32", data: IRIS_ROWS }], outputs: [{ name: "label" }] });

const cleanup: string[] = [];
afterAll(() => {
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup.push(dir);
  return dir;
}

function fixture(name: string): Record<string, any> {
  return JSON.parse(readFileSync(join(EVENTS, name), "utf8"));
}

/** Unzips into an empty folder outside the repo, as Lambda does before init. */
function unzipToTemp(zipPath: string): string {
  const dir = tempDir("edge-inference-unzipped-");
  for (const [path, data] of Object.entries(unzipSync(readFileSync(zipPath)))) {
    if (path.endsWith("/")) continue;
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), data);
  }
  return dir;
}

/** Loads the handler in a fresh node process that cannot see the project's node_modules, and serves one event. */
function invoke(bundleDir: string, event: unknown): { response: any; isolated: boolean } {
  const eventFile = join(bundleDir, "..", `${Date.now()}-${Math.random()}.event.json`);
  writeFileSync(eventFile, JSON.stringify(event));
  cleanup.push(eventFile);
  const script = `
    let isolated = false;
    try { require.resolve("zod"); } catch { isolated = true; }
    const event = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    require("./index.js").handler(event, { awsRequestId: "artifact-test" }).then((response) => {
      process.stdout.write(JSON.stringify({ response, isolated }));
    });
  `;
  const stdout = execFileSync(process.execPath, ["-e", script, eventFile], {
    cwd: bundleDir,
    env: { PATH: process.env.PATH ?? "", NODE_PATH: "", LAMBDA_TASK_ROOT: bundleDir, HOME: bundleDir },
  });
  const lines = stdout.toString("utf8").trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

function labelsOf(body: string): number[] {
  const parsed = JSON.parse(body) as { outputs: Array<{ name: string; data: number[] }> };
  const label = parsed.outputs.find((output) => output.name === "label");
  if (!label) throw new Error(`no label output in ${body}`);
  return label.data.map(Number);
}

describe("handler zips", () => {
  let project: TempProject;
  let bundles: HandlerBundles;

  beforeAll(async () => {
    project = makeTempProject(MODELS);
    cleanup.push(project.root);
    bundles = await buildHandlerBundles({ projectRoot: project.root, config: project.config, models: project.models(), progress: silentProgress });
  });

  it("puts edge models in the edge zip and every model in the regional zip", () => {
    const edge = Object.keys(unzipSync(readFileSync(bundles.edge.zipPath)));
    const regional = Object.keys(unzipSync(readFileSync(bundles.regional.zipPath)));
    expect(edge.filter((path) => path.startsWith("models/") && !path.endsWith("/"))).toEqual(["models/iris/model.onnx"]);
    expect(regional.filter((path) => path.startsWith("models/") && !path.endsWith("/"))).toEqual(["models/iris/model.onnx", "models/matmul/model.onnx"]);
    expect(edge).toContain("runtime-config.json");
    expect(edge.some((path) => path.endsWith(".map"))).toBe(false);
    expect(statSync(bundles.edge.sourceMapPath).size).toBeGreaterThan(0);
    expect(bundles.edge.handler).toBe("index.handler");
  });

  it("serves an origin-request POST infer from the unzipped edge zip alone", () => {
    const event = fixture("cloudfront-origin-request-oip-infer-post.json");
    const request = event.Records[0].cf.request;
    request.uri = "/v2/models/iris/infer";
    request.body.data = Buffer.from(IRIS_REQUEST).toString("base64");
    request.headers["content-length"][0].value = String(Buffer.byteLength(IRIS_REQUEST));
    const { response, isolated } = invoke(unzipToTemp(bundles.edge.zipPath), event);
    expect(isolated).toBe(true);
    expect(response.status).toBe("200");
    expect(labelsOf(response.body)).toEqual([0, 1, 2]);
  });

  it("serves an origin-request GET infer (the cacheable query form) from the edge zip", () => {
    const event = fixture("cloudfront-origin-request-oip-metadata-get.json");
    const request = event.Records[0].cf.request;
    request.uri = "/v2/models/iris/versions/1/infer";
    request.querystring = "features=6.9,3.2,5.7,2.3";
    const { response } = invoke(unzipToTemp(bundles.edge.zipPath), event);
    expect(response.status).toBe("200");
    expect(labelsOf(response.body)).toEqual([2]);
  });

  it("serves an API Gateway POST infer from the unzipped regional zip alone, including a regional-only model", () => {
    const dir = unzipToTemp(bundles.regional.zipPath);
    const event = fixture("apigw-rest-proxy-oip-infer-post.json");
    event.path = "/v2/models/iris/infer";
    event.pathParameters = { proxy: "v2/models/iris/infer" };
    event.requestContext.path = "/testStage/v2/models/iris/infer";
    event.body = IRIS_REQUEST;
    const iris = invoke(dir, event);
    expect(iris.isolated).toBe(true);
    expect(iris.response.statusCode).toBe(200);
    expect(labelsOf(iris.response.body)).toEqual([0, 1, 2]);

    event.path = "/v2/models/matmul/infer";
    event.pathParameters = { proxy: "v2/models/matmul/infer" };
    event.body = JSON.stringify({
      inputs: [
        { name: "a", shape: [3, 4], datatype: "FP32", data: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0] },
        { name: "b", shape: [4, 3], datatype: "FP32", data: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] },
      ],
    });
    const matmul = invoke(dir, event);
    expect(matmul.response.statusCode).toBe(200);
    expect(JSON.parse(matmul.response.body).outputs[0].data).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("reuses both zips when nothing changed, and when only mtimes changed", async () => {
    const later = new Date("2031-05-06T07:08:09Z");
    for (const entry of readdirSync(join(project.root, "handlers"), { recursive: true, withFileTypes: true })) {
      utimesSync(join(entry.parentPath, entry.name), later, later);
    }
    const again = await buildHandlerBundles({ projectRoot: project.root, config: project.config, models: project.models(), progress: silentProgress });
    expect([again.edge.cached, again.regional.cached]).toEqual([true, true]);
    expect(again.edge.sha256Hex).toBe(bundles.edge.sha256Hex);
  });
});

/** Builds in a separate node process with its own umask and time zone, as another machine would. */
function buildInProcess(project: TempProject, umask: string, zone: string): { edge: string; regional: string; cached: boolean[] } {
  const script = `
    const { buildHandlerBundles } = require(${JSON.stringify(join(PROJECT_ROOT, "src/build/index"))});
    const { resolveModels } = require(${JSON.stringify(join(PROJECT_ROOT, "src/config/models"))});
    const { silentProgress } = require(${JSON.stringify(join(PROJECT_ROOT, "src/build/progress"))});
    const config = ${JSON.stringify(project.config)};
    const { artifacts } = resolveModels(${JSON.stringify(join(project.root, "models"))}, config.models, "test");
    buildHandlerBundles({ projectRoot: ${JSON.stringify(project.root)}, config, models: artifacts, progress: silentProgress }).then((b) => {
      const bytes = (path) => require("node:fs").readFileSync(path).toString("base64");
      process.stdout.write(JSON.stringify({ edge: bytes(b.edge.zipPath), regional: bytes(b.regional.zipPath), cached: [b.edge.cached, b.regional.cached] }));
    });
  `;
  const stdout = execFileSync("/bin/sh", ["-c", `umask ${umask} && exec "$0" --require tsx/cjs -e "$1"`, process.execPath, script], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, TZ: zone },
    maxBuffer: 512 * 1024 * 1024,
  });
  return JSON.parse(stdout.toString("utf8"));
}

function setAllMtimes(root: string, when: Date): void {
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (entry.isSymbolicLink()) continue;
    utimesSync(join(entry.parentPath, entry.name), when, when);
  }
}

function flipByte(file: string, offset: number): void {
  const bytes = readFileSync(file);
  bytes[offset] += 1;
  writeFileSync(file, bytes);
}

describe("determinism", () => {
  it("gives byte-identical zips from two copies of the tree with different mtimes, umasks, zones and times", () => {
    const first = makeTempProject(MODELS);
    const second = makeTempProject(MODELS);
    cleanup.push(first.root, second.root);
    setAllMtimes(first.root, new Date("2001-02-03T04:05:06Z"));
    setAllMtimes(second.root, new Date("2029-12-31T23:59:58Z"));

    const a = buildInProcess(first, "022", "America/Los_Angeles");
    const b = buildInProcess(second, "077", "Asia/Kolkata");
    expect(b.cached).toEqual([false, false]);
    expect(b.edge === a.edge).toBe(true);
    expect(b.regional === a.regional).toBe(true);

    // matmul is served regionally only: its bytes change the regional zip and leave the edge zip alone.
    flipByte(join(second.root, "models/matmul/model.onnx"), 4);
    const afterRegional = buildInProcess(second, "077", "Asia/Kolkata");
    expect(afterRegional.edge === a.edge).toBe(true);
    expect(afterRegional.regional === a.regional).toBe(false);
    expect(afterRegional.cached).toEqual([true, false]);

    // iris is an edge model that the regional API also carries as the fallback: both zips change.
    flipByte(join(second.root, "models/iris/model.onnx"), 6);
    const afterEdge = buildInProcess(second, "077", "Asia/Kolkata");
    expect(afterEdge.edge === a.edge).toBe(false);
    expect(afterEdge.regional === afterRegional.regional).toBe(false);
  });
});
