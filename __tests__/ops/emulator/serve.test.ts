/**
 * `npm run serve` end to end, over real HTTP: the synthesized dev distribution (synthesized here into
 * a temporary cdktf.out), its CloudFront Function, cache policy, edge function and regional API,
 * each loaded from the synthesized JSON and zips.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { loadDistribution } from "../../../ops/emulator/distribution";
import { http, projectWithModelVersion, rawExchange, ROOT, runTsx, startServe, synth, CLI, type HttpAnswer, type ServeProcess } from "./harness";

jest.setTimeout(120_000);

const MODELS = readdirSync(join(ROOT, "models"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(ROOT, "models", entry.name, "model.onnx")))
  .map((entry) => entry.name)
  .sort();

let work: string;
let outdir: string;
let nextOutdir: string;
let nextProject: string;
let serve: ServeProcess;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "edge-inference-serve-"));
  outdir = join(work, "cdktf.out");
  nextOutdir = join(work, "cdktf.next");
  nextProject = projectWithModelVersion("iris", "2");
  await synth(outdir);
  await synth(nextOutdir, nextProject);
  serve = await startServe({ CDKTF_OUTDIR: outdir });
}, 240_000);

afterAll(async () => {
  await serve?.stop();
  for (const dir of [work, nextProject]) if (dir) rmSync(dir, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return http(`${serve.url}${path}`, { headers });
}

function post(path: string, body: string | Buffer, headers: Record<string, string> = { "content-type": "application/json" }): Promise<HttpAnswer> {
  return http(`${serve.url}${path}`, { method: "POST", headers, body });
}

interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

/** A valid value of each input for a batch of one, for any model: the same numbers for GET and POST. */
function sampleInputs(inputs: TensorMetadata[]): { query: string; body: string } {
  const valueOf = (datatype: string, index: number) => (datatype.startsWith("FP") ? [5.1, 3.5, 1.4, 0.2][index % 4] : datatype === "BOOL" ? index % 2 === 0 : index % 3);
  const tensors = inputs.map((input) => {
    const shape = input.shape.map((dimension) => (dimension < 0 ? 1 : dimension));
    const count = shape.reduce((product, dimension) => product * dimension, 1);
    return { name: input.name, datatype: input.datatype, shape, data: Array.from({ length: count }, (_, index) => valueOf(input.datatype, index)) };
  });
  return {
    query: tensors.map((tensor) => `${encodeURIComponent(tensor.name)}=${tensor.data.map(String).join(",")}`).join("&"),
    body: JSON.stringify({ inputs: tensors }),
  };
}

describe("the distribution model is the synthesized one", () => {
  it("reads behaviors, TTLs and associations from cdk.tf.json", () => {
    const distribution = loadDistribution(outdir, "inference-dev");
    const models = distribution.behaviors.find((behavior) => behavior.pathPattern === "/v2/models/*");
    expect(models?.originRequest).toMatchObject({ includeBody: true });
    expect(models?.viewerRequest?.runtime).toBe("cloudfront-js-2.0");
    expect(models?.cachePolicy).toMatchObject({ minTtl: 0, defaultTtl: 300, maxTtl: 3600, gzip: true, brotli: true });
    expect(distribution.defaultBehavior.cachePolicy.name).toBe("Managed-CachingDisabled");
    const api = distribution.origins.get("inference-api");
    expect(api).toMatchObject({ kind: "api", originPath: "/dev" });
    expect(api?.kind === "api" && api.customHeaders.map((header) => header.name)).toEqual(["x-api-key"]);
  });
});

describe.each(MODELS)("model %s", (model) => {
  let inputs: TensorMetadata[];

  it("answers OIP health and readiness", async () => {
    expect((await get("/v2/health/live")).json()).toEqual({ live: true });
    const ready = await get("/v2/health/ready");
    expect(ready.status).toBe(200);
    expect(ready.headers["x-cache"]).toBe("Miss from cloudfront");
    expect((await get(`/v2/models/${model}/ready`)).json()).toMatchObject({ name: model, ready: true });
    expect((await get("/v2")).json()).toMatchObject({ name: "edge-inference" });
  });

  it("answers metadata, a miss and then a hit", async () => {
    const first = await get(`/v2/models/${model}`);
    expect(first.status).toBe(200);
    expect(first.headers["x-cache"]).toBe("Miss from cloudfront");
    expect(first.headers.via).toMatch(/^1\.1 [0-9a-f]+\.cloudfront\.net \(CloudFront\)$/);
    const metadata = first.json() as { name: string; inputs: TensorMetadata[] };
    expect(metadata.name).toBe(model);
    inputs = metadata.inputs;
    const second = await get(`/v2/models/${model}`);
    expect(second.headers["x-cache"]).toBe("Hit from cloudfront");
    expect(Number(second.headers.age)).toBeGreaterThanOrEqual(0);
    expect(second.body.equals(first.body)).toBe(true);
  });

  it("serves the model file for on-device download from the bucket, through CachingOptimized", async () => {
    const { versions } = (await get(`/v2/models/${model}`)).json() as { versions: string[] };
    const file = await get(`/models/${model}/${versions[0]}/model.onnx`);
    expect(file.status).toBe(200);
    expect(file.body.equals(readFileSync(join(ROOT, "models", model, "model.onnx")))).toBe(true);
    expect((await get(`/models/${model}/${versions[0]}/model.onnx`)).headers["x-cache"]).toBe("Hit from cloudfront");
    expect((await get(`/models/${model}/no-such-version/model.onnx`)).status).toBe(403);
  });

  it("infers the same over GET and POST; GETs are cached, POSTs never", async () => {
    const { query, body } = sampleInputs(inputs);
    const viaGet = await get(`/v2/models/${model}/infer?${query}`);
    expect(viaGet.status).toBe(200);
    const viaPost = await post(`/v2/models/${model}/infer`, body);
    expect(viaPost.status).toBe(200);
    expect(viaGet.json().outputs).toEqual(viaPost.json().outputs);
    expect((await post(`/v2/models/${model}/infer`, body)).headers["x-cache"]).toBe("Miss from cloudfront");
    expect((await get(`/v2/models/${model}/infer?${query}`)).headers["x-cache"]).toBe("Hit from cloudfront");
  });
});

describe("the cache key is the canonical query", () => {
  it("hits across parameter order, number spelling and unknown parameters", async () => {
    const first = await get("/v2/models/iris/infer?features=6.3,2.9,5.6,1.8");
    expect(first.headers["x-cache"]).toBe("Miss from cloudfront");
    expect((first.json().outputs as { name: string; data: number[] }[]).find((output) => output.name === "label")?.data).toEqual([2]);
    const respelled = await get("/v2/models/iris/infer?utm_source=mail&features=6.30,+2.9,56e-1,0.18E1&cb=12345");
    expect(respelled.headers["x-cache"]).toBe("Hit from cloudfront");
    expect(respelled.body.equals(first.body)).toBe(true);
    expect(respelled.headers["strict-transport-security"]).toBe("max-age=63072000; includeSubDomains");
  });

  it("keeps compressed and plain answers apart, as the normalised Accept-Encoding says", async () => {
    const plain = await get("/v2/models/iris/infer?features=5.0,3.6,1.4,0.2", { "accept-encoding": "identity" });
    const gzip = await get("/v2/models/iris/infer?features=5.0,3.6,1.4,0.2", { "accept-encoding": "gzip, deflate" });
    expect(plain.headers["x-cache"]).toBe("Miss from cloudfront");
    expect(gzip.headers["x-cache"]).toBe("Miss from cloudfront");
    expect((await get("/v2/models/iris/infer?features=5.0,3.6,1.4,0.2", { "accept-encoding": "deflate, gzip;q=0.8" })).headers["x-cache"]).toBe("Hit from cloudfront");
  });
});

describe("bad requests", () => {
  it("gets each its 4xx, never a 5xx", async () => {
    const missing = await get("/v2/models/iris/infer?petals=1");
    expect(missing.status).toBe(400);
    expect(missing.headers["x-cache"]).toBe("FunctionGeneratedResponse from cloudfront");
    expect(missing.json().error).toMatch(/features/);
    const badJson = await post("/v2/models/iris/infer", "{not json");
    expect(badJson.status).toBe(400);
    expect(badJson.json()).toHaveProperty("error");
    expect(badJson.headers["x-cache"]).toBe("Error from cloudfront");
    expect((await get("/v2/models/no-such-model")).status).toBe(404);
    expect((await http(`${serve.url}/v2/models/iris/infer`, { method: "PUT", body: "{}", headers: { "content-type": "application/json" } })).status).toBe(405);
    const notAllowed = await http(`${serve.url}/v2/health/live`, { method: "DELETE" });
    expect(notAllowed.status).toBe(403);
    expect(notAllowed.text()).toMatch(/not configured to allow the HTTP request method/);
    expect((await get("/somewhere/else")).json()).toEqual({ error: "Missing Authentication Token" });
  });

  it("answers malformed HTTP with 400 and goes on serving", async () => {
    const answer = await rawExchange(serve.port, "GARBAGE\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    const bad = await rawExchange(serve.port, "GET /v2 HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n");
    expect(bad).toMatch(/^HTTP\/1\.1 400 /);
    expect((await get("/v2/health/live")).status).toBe(200);
  });

  it("answers oversized requests with 413 and goes on serving", async () => {
    const headers = await get("/v2/health/live", { "x-padding": "a".repeat(21_000) });
    expect(headers.status).toBe(413);
    expect(headers.headers.connection).toBe("close");
    const body = await post("/v2/models/iris/infer", Buffer.alloc(10 * 1024 * 1024 + 1, 0x20));
    expect(body.status).toBe(413);
    expect(body.text()).toBe("HTTP content length exceeded 10485760 bytes.");
    expect(body.headers["x-cache"]).toBe("Error from cloudfront");
    expect((await get("/v2/health/live")).status).toBe(200);
  });

  it("hands bodies over 1 MB, which the edge sees truncated, to the regional API", async () => {
    const rows = 80_000;
    const data = Array.from({ length: rows }, () => [5.1, 3.5, 1.4, 0.2]).flat();
    const body = JSON.stringify({ inputs: [{ name: "features", shape: [rows, 4], datatype: "FP32", data }], outputs: [{ name: "label" }] });
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const answer = await post("/v2/models/iris/infer", body, { "content-type": "application/json", "accept-encoding": "gzip" });
    expect(answer.status).toBe(200);
    // CloudFront compresses what the origin sent uncompressed (compress = true, gzip in the cache policy).
    expect(answer.headers["content-encoding"]).toBe("gzip");
    expect((JSON.parse(gunzipSync(answer.body).toString("utf8")).outputs as { shape: number[] }[])[0].shape).toEqual([rows]);
    expect(await serve.logOf(answer)).toMatchObject({ method: "POST", status: 200, answeredBy: "regional", result: "Miss" });
  });
});

describe("request log", () => {
  it("writes one JSON line per request", async () => {
    await get("/v2/health/live?mark=log-test");
    await get("/v2/models/iris/infer?features=1");
    await rawExchange(serve.port, "NOT HTTP\r\n\r\n");
    await serve.waitForLogs(serve.logs.findIndex((line) => line.uri === "/v2/health/live?mark=log-test") + 3);
    const lines = serve.logs.slice(serve.logs.findIndex((line) => line.uri === "/v2/health/live?mark=log-test"));
    expect(lines).toHaveLength(3);
    expect(lines.map((line) => line.status)).toEqual([200, 400, 400]);
    expect(lines[0]).toMatchObject({ method: "GET", result: "Miss", behavior: "/v2/health/*", answeredBy: "regional" });
    expect(lines[1]).toMatchObject({ uri: "/v2/models/iris/infer?features=1", result: "FunctionGeneratedResponse" });
    expect(lines[2]).toMatchObject({ result: "Error", error: expect.stringMatching(/^HPE_/) });
  });
});

describe("a new model version", () => {
  it("gets new cache keys once the new synth is loaded, while the old version's keys stay cached", async () => {
    const query = "features=5.9,3.0,5.1,1.8";
    expect((await get(`/v2/models/iris/infer?${query}`)).json().model_version).toBe("1");
    expect((await get(`/v2/models/iris/infer?${query}`)).headers["x-cache"]).toBe("Hit from cloudfront");

    const from = serve.stderr().length;
    mkdirSync(join(work, "previous"));
    renameSync(outdir, join(work, "previous", "cdktf.out"));
    renameSync(nextOutdir, outdir);
    await serve.waitForStderr(/reloaded inference-dev/, from);

    const fresh = await get(`/v2/models/iris/infer?${query}`);
    expect(fresh.headers["x-cache"]).toBe("Miss from cloudfront");
    expect(fresh.json().model_version).toBe("2");
    expect((await get(`/v2/models/iris/infer?${query}`)).headers["x-cache"]).toBe("Hit from cloudfront");
    expect((await get("/v2/models/iris")).json().versions).toEqual(["2"]);
    // CloudFront keeps what it cached under the old versioned key until its TTL runs out.
    // The new function leaves other versions' queries as they are, so this asks with the canonical one.
    const old = await get("/v2/models/iris/versions/1/infer?features=5.9,3,5.1,1.8");
    expect(old.headers["x-cache"]).toBe("Hit from cloudfront");
    expect(old.json().model_version).toBe("1");
  });
});

describe("the serve command", () => {
  function expectOneLineFailure(result: { status: number | null; stderr: string }, pattern: RegExp): void {
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(pattern);
  }

  it("refuses an unknown environment", async () => {
    expectOneLineFailure(await runTsx([CLI, "staging"], { env: { CDKTF_OUTDIR: outdir } }), /^serve: unknown environment "staging": config\/ has dev, prod/);
  });

  it("says to run synth when the synth output is missing", async () => {
    expectOneLineFailure(await runTsx([CLI], { env: { CDKTF_OUTDIR: join(work, "nothing-here") } }), /no synthesized inference-dev .*run npm run synth/);
  });

  it("refuses a port in use", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      expectOneLineFailure(await runTsx([CLI], { env: { CDKTF_OUTDIR: outdir, PORT: String(port) } }), new RegExp(`^serve: port ${port} on 127\\.0\\.0\\.1 is in use`));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
