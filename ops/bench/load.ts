/**
 * Load test: autocannon against `npm run serve` (a child process) on loopback, for a bounded time:
 * cached GET infer requests (all hits after a warm-up) and uncached POST infer requests (each one
 * runs the edge function).
 */
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";

const PROJECT_ROOT = resolve(__dirname, "../..");

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
// autocannon ships no type declarations; this is the part of its API used here.
const autocannon = require("autocannon") as Autocannon;

export interface LoadRun {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  /** Connection errors, timeouts and non-2xx answers together. */
  readonly failures: number;
}

export interface LoadFigures {
  readonly durationSeconds: number;
  readonly connections: number;
  readonly cachedGet: LoadRun;
  readonly uncachedPost: LoadRun;
}

export interface LoadOptions {
  readonly outdir: string;
  readonly environment: string;
  readonly model: string;
  readonly durationSeconds?: number;
  readonly connections?: number;
}

function toRun(result: AutocannonResult): LoadRun {
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    failures: result.errors + result.timeouts + result.non2xx,
  };
}

/** Starts the emulator CLI on a free port; resolves with its URL and a stop function. */
export async function startServeProcess(outdir: string, environment: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, "node_modules/tsx/dist/cli.mjs"), join(PROJECT_ROOT, "ops/emulator/cli.ts"), environment], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PORT: "0", CDKTF_OUTDIR: outdir },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<void>((resolveExit) => child.on("close", () => resolveExit()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let stderr = "";
    const timer = setTimeout(() => reject(new Error(`serve did not start in 60 s: ${stderr}`)), 60_000);
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${stderr.trim()}`));
    });
  });
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** One cached-GET run and one uncached-POST run, each `durationSeconds` long. */
export async function measureLoad(options: LoadOptions): Promise<LoadFigures> {
  const durationSeconds = options.durationSeconds ?? 5;
  const connections = options.connections ?? 16;
  const server = await startServeProcess(options.outdir, options.environment);
  try {
    const paths = Array.from({ length: 100 }, (_, index) => `/v2/models/${options.model}/infer?features=${(4 + index / 50).toFixed(2)},3.5,1.4,0.2`);
    // Warm the cache, so the measured GETs are hits.
    await autocannon({ url: server.url, connections: 1, amount: paths.length, requests: paths.map((path) => ({ method: "GET", path })) });
    const cachedGet = await autocannon({ url: server.url, connections, duration: durationSeconds, requests: paths.map((path) => ({ method: "GET", path })) });
    const body = JSON.stringify({ inputs: [{ name: "features", shape: [1, 4], datatype: "FP32", data: [5.1, 3.5, 1.4, 0.2] }] });
    const uncachedPost = await autocannon({
      url: `${server.url}/v2/models/${options.model}/infer`,
      connections,
      duration: durationSeconds,
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    return { durationSeconds, connections, cachedGet: toRun(cachedGet), uncachedPost: toRun(uncachedPost) };
  } finally {
    await server.stop();
  }
}
