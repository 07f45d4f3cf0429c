/**
 * Load test: autocannon against `npm run serve` (a child process) on loopback, for a bounded time:
 * cached GET infer requests (all hits after a warm-up) and uncached POST infer requests (each one
 * runs the edge function).
 */
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";

const PROJECT_ROOT = resolve(__dirname, "../..");
/** How long a stopped server gets to close and clean up before it is killed. */
const STOP_GRACE_MS = 10_000;

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

/**
 * Starts the emulator CLI on a free port; resolves with its URL and a stop function. When it does not
 * start in time the child is stopped before the promise rejects, so nothing is left running.
 */
export async function startServeProcess(outdir: string, environment: string, options: { startTimeoutMs?: number } = {}): Promise<{ url: string; stop: () => Promise<void> }> {
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  // tsx as a loader rather than its CLI: one process, so the signals below reach the server itself.
  const child = spawn(process.execPath, ["--import", "tsx", join(PROJECT_ROOT, "ops/emulator/cli.ts"), environment], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PORT: "0", CDKTF_OUTDIR: outdir },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const kill = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    await exited;
    clearTimeout(kill);
  };
  let stderr = "";
  let url: string | undefined;
  let timedOut = false;
  await new Promise<void>((resolveStart, reject) => {
    const timer = setTimeout(() => {
      timedOut = true;
      void stop().then(() => reject(new Error(`serve did not start in ${startTimeoutMs / 1000} s and was stopped: ${stderr.trim()}`)));
    }, startTimeoutMs);
    // Read to the end, so the child never blocks on a full pipe; kept only until it listens.
    child.stderr.on("data", (chunk: Buffer) => {
      if (url !== undefined || timedOut) return;
      stderr += chunk.toString("utf8");
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        url = match[1];
        resolveStart();
      }
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (!timedOut) reject(new Error(`serve exited with ${code}: ${stderr.trim()}`));
    });
  });
  return { url: url as string, stop };
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
