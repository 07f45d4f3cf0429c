/**
 * The emulator in this process, on the synthesized dev stack: names that could reach Object.prototype,
 * origin custom headers, compression for HTTP/1.0 viewers, and what reloads keep on disk.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { loadDistribution } from "../../../ops/emulator/distribution";
import { Emulator, serve, type RunningEmulator } from "../../../ops/emulator/emulator";
import type { HeaderList, ViewerRequest } from "../../../ops/emulator/http-types";
import type { RequestLog } from "../../../ops/emulator/server";
import { rawExchange, synth } from "./harness";

jest.setTimeout(120_000);

const STACK = "inference-dev";
let work: string;
let outdir: string;
let running: RunningEmulator;
const logs: RequestLog[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "edge-inference-edge-emulator-"));
  outdir = join(work, "cdktf.out");
  await synth(outdir);
  running = await serve({ outdir, stack: STACK, port: 0, log: (entry) => logs.push(entry) });
}, 240_000);

afterAll(async () => {
  await running?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

function viewer(method: string, path: string, query = "", headers: HeaderList = [], body: Buffer = Buffer.alloc(0), httpVersion = "1.1"): ViewerRequest {
  return { method, path, query, headers: [{ name: "Host", value: "emulator.test" }, ...headers], body, bodyBytes: body.length, clientIp: "127.0.0.1", httpVersion };
}

function inferBody(rows: number): Buffer {
  const data = Array.from({ length: rows }, (_, row) => [5.1, 3.5, 1.4, 0.2 + row / 1000]).flat();
  return Buffer.from(JSON.stringify({ inputs: [{ name: "features", shape: [rows, 4], datatype: "FP32", data }] }));
}

const JSON_TYPE = { name: "Content-Type", value: "application/json" };

describe("a query parameter or header named __proto__", () => {
  it("is a name like any other and leaves later requests alone", async () => {
    const edge = running.emulator.edge;
    const polluting = await edge.handle(viewer("GET", "/v2/models/iris/infer", "__proto__=x&features=6.0,3.0,4.8,1.8", [{ name: "__proto__", value: "y" }]));
    expect(polluting.status).toBe(200);
    const posted = await edge.handle(viewer("POST", "/v2/models/iris/infer", "__proto__=x", [JSON_TYPE, { name: "__proto__", value: "y" }], inferBody(1)));
    expect(posted.status).toBe(200);
    expect(({} as Record<string, unknown>).multiValue).toBeUndefined();
    expect(({} as Record<string, unknown>).push).toBeUndefined();

    const get = await edge.handle(viewer("GET", "/v2/models/iris/infer", "features=6.1,3.0,4.8,1.8"));
    expect(get.status).toBe(200);
    expect(JSON.parse(get.body.toString("utf8"))).toMatchObject({ model_name: "iris" });
    const post = await edge.handle(viewer("POST", "/v2/models/iris/infer", "", [JSON_TYPE], inferBody(2)));
    expect(post.status).toBe(200);
    expect((JSON.parse(post.body.toString("utf8")) as { outputs: { shape: number[] }[] }).outputs[0].shape[0]).toBe(2);
  });
});

describe("origin custom headers", () => {
  it("replace a viewer header of the same name (the API key CloudFront sends wins)", async () => {
    const ready = await running.emulator.edge.handle(viewer("GET", "/v2/health/ready", "", [{ name: "x-api-key", value: "mine" }]));
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body.toString("utf8"))).toEqual({ ready: true });
  });
});

describe("compression", () => {
  const port = () => Number(running.url.split(":").pop());
  function rawPost(version: "1.0" | "1.1", body: Buffer): Promise<{ head: string; body: Buffer }> {
    const request = [
      `POST /v2/models/iris/infer HTTP/${version}`,
      "Host: emulator.test",
      "Accept-Encoding: gzip",
      "Content-Type: application/json",
      `Content-Length: ${body.length}`,
      "Connection: close",
      "",
      body.toString("latin1"),
    ].join("\r\n");
    return rawExchange(port(), request).then((text) => {
      const split = text.indexOf("\r\n\r\n");
      return { head: text.slice(0, split), body: Buffer.from(text.slice(split + 4), "latin1") };
    });
  }

  it("is skipped for HTTP/1.0 viewers, as CloudFront drops their Accept-Encoding", async () => {
    const body = inferBody(100);
    const modern = await rawPost("1.1", body);
    expect(modern.head).toMatch(/^HTTP\/1\.1 200 /);
    expect(modern.head).toMatch(/\r\nContent-Encoding: gzip\r\n/i);
    const answer = JSON.parse(gunzipSync(modern.body).toString("utf8")) as { outputs: unknown[] };

    const old = await rawPost("1.0", body);
    expect(old.head).toMatch(/^HTTP\/1\.1 200 /);
    expect(old.head).not.toMatch(/\r\nContent-Encoding:/i);
    expect(old.body.length).toBeGreaterThan(1000);
    expect((JSON.parse(old.body.toString("utf8")) as { outputs: unknown[] }).outputs).toEqual(answer.outputs);
  });
});

describe("reloads", () => {
  let reloadOutdir: string;
  let emulator: Emulator;
  let file: string;
  let pristine: string;
  let edgeAddress: string;
  let regionalAddress: string;

  beforeAll(() => {
    reloadOutdir = join(work, "reload", "cdktf.out");
    cpSync(outdir, reloadOutdir, { recursive: true });
    file = join(reloadOutdir, "stacks", STACK, "cdk.tf.json");
    pristine = readFileSync(file, "utf8");
    const distribution = loadDistribution(reloadOutdir, STACK);
    edgeAddress = distribution.behaviors.find((behavior) => behavior.originRequest)?.originRequest?.lambda.address as string;
    regionalAddress = [...distribution.lambdas.keys()].find((address) => address !== edgeAddress) as string;
    emulator = Emulator.load({ outdir: reloadOutdir, stack: STACK });
  });

  afterAll(() => emulator?.dispose());

  /** Rewrites the synth output as a new deployment would: new code hashes, or another handler. */
  function deploy(changes: Record<string, { source_code_hash?: string; handler?: string }>): void {
    const json = JSON.parse(pristine) as { resource: Record<string, Record<string, Record<string, unknown>>> };
    for (const [address, change] of Object.entries(changes)) {
      const [type, name] = address.split(".");
      Object.assign(json.resource[type][name], change);
    }
    writeFileSync(file, JSON.stringify(json));
  }

  /** `<generation>/<function>` for every extracted function. */
  function extracted(): string[] {
    return readdirSync(emulator.workDir)
      .flatMap((generation) => readdirSync(join(emulator.workDir, generation)).map((fn) => `${generation}/${fn}`))
      .sort();
  }

  const dirName = (address: string) => address.replace(/[^A-Za-z0-9_.-]/g, "_");

  async function answers(): Promise<void> {
    const health = await emulator.edge.handle(viewer("GET", "/v2/health/ready"));
    expect(health.status).toBe(200);
    const infer = await emulator.edge.handle(viewer("POST", "/v2/models/iris/infer", "", [JSON_TYPE], inferBody(1)));
    expect(infer.status).toBe(200);
  }

  it("remove the functions the new synth no longer runs, and failed reloads leave nothing behind", async () => {
    expect(extracted()).toEqual([`1/${dirName(edgeAddress)}`, `1/${dirName(regionalAddress)}`].sort());
    // Once answering, the first generation has read its models, so removing its files is safe.
    await answers();
    const firstEdge = join(emulator.workDir, "1", dirName(edgeAddress));

    deploy({ [edgeAddress]: { source_code_hash: "edge-v2" } });
    emulator.reload();
    expect(extracted()).toEqual([`1/${dirName(regionalAddress)}`, `2/${dirName(edgeAddress)}`]);
    expect(existsSync(firstEdge)).toBe(false);
    await answers();

    deploy({ [edgeAddress]: { source_code_hash: "edge-v3", handler: "index.noSuchHandler" } });
    expect(() => emulator.reload()).toThrow(/noSuchHandler is not a function/);
    expect(extracted()).toEqual([`1/${dirName(regionalAddress)}`, `2/${dirName(edgeAddress)}`]);
    await answers();

    deploy({ [edgeAddress]: { source_code_hash: "edge-v4" }, [regionalAddress]: { source_code_hash: "regional-v4" } });
    emulator.reload();
    expect(extracted()).toEqual([`4/${dirName(edgeAddress)}`, `4/${dirName(regionalAddress)}`].sort());
    expect(readdirSync(emulator.workDir)).toEqual(["4"]);
    await answers();
  });
});
