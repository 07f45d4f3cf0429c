import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(__dirname, "..", "..", "..");
export const TSX = join(ROOT, "node_modules", "tsx", "dist", "cli.mjs");
export const CLI = join(ROOT, "ops", "emulator", "cli.ts");

/** What synth reads from a checkout. */
const SYNTH_INPUTS = ["main.ts", "cdktf.json", "tsconfig.json", "package.json", "config", "src", "handlers", "models"];

export interface Exited {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a node script under tsx to completion (async, so jest's timers keep running). */
export function runTsx(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSX, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`tsx ${args.join(" ")} did not finish in ${options.timeoutMs ?? 120_000} ms:\n${stderr}`));
    }, options.timeoutMs ?? 120_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** `npm run synth` of one environment into `outdir`, from `projectDir` (the repository by default). */
export async function synth(outdir: string, projectDir = ROOT, environment = "dev"): Promise<void> {
  const result = await runTsx(["main.ts"], { cwd: projectDir, env: { CDKTF_OUTDIR: outdir, EDGE_INFERENCE_ENVS: environment } });
  if (result.status !== 0) throw new Error(`synth failed in ${projectDir}:\n${result.stderr}`);
}

/** A copy of the synth inputs (node_modules linked) with models/<model>/model.json's version set. */
export function projectWithModelVersion(model: string, version: string): string {
  const dir = mkdtempSync(join(tmpdir(), "edge-inference-emulator-project-"));
  for (const entry of SYNTH_INPUTS) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  const manifestFile = join(dir, "models", model, "model.json");
  let manifest: Record<string, unknown> = {};
  try {
    manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as Record<string, unknown>;
  } catch {
    // model.json is optional
  }
  writeFileSync(manifestFile, `${JSON.stringify({ ...manifest, version }, null, 2)}\n`);
  return dir;
}

export interface ServeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly port: number;
  /** Request log lines (stdout), parsed. */
  readonly logs: Record<string, unknown>[];
  stderr(): string;
  /** Resolves when stderr has printed a line matching `pattern` after `from` characters. */
  waitForStderr(pattern: RegExp, from?: number, timeoutMs?: number): Promise<string>;
  /** Resolves once at least `count` log lines have arrived. */
  waitForLogs(count: number, timeoutMs?: number): Promise<Record<string, unknown>[]>;
  /** The log line of one answered request, found by its X-Amz-Cf-Id. */
  logOf(answer: HttpAnswer, timeoutMs?: number): Promise<Record<string, unknown> | undefined>;
  stop(): Promise<void>;
}

/** `npm run serve` as a child process on a free port; resolves once it listens. */
export async function startServe(env: NodeJS.ProcessEnv): Promise<ServeProcess> {
  const child = spawn(process.execPath, [TSX, CLI], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: "0", ...env } });
  let stderr = "";
  let stdoutRest = "";
  const logs: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
    for (const wake of waiters.splice(0)) wake();
  });
  child.stdout.on("data", (chunk: Buffer) => {
    const lines = (stdoutRest + chunk.toString("utf8")).split("\n");
    stdoutRest = lines.pop() ?? "";
    for (const line of lines) if (line.trim() !== "") logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  const waitForStderr = (pattern: RegExp, from = 0, timeoutMs = 60_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${pattern} on stderr within ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
      const check = () => {
        const match = pattern.exec(stderr.slice(from));
        if (match) {
          clearTimeout(timer);
          resolve(match[0]);
        } else if (child.exitCode !== null) {
          clearTimeout(timer);
          reject(new Error(`serve exited with ${child.exitCode}:\n${stderr}`));
        } else waiters.push(check);
      };
      check();
      void exited.then(check);
    });
  const line = await waitForStderr(/listening on (http:\/\/127\.0\.0\.1:(\d+))/);
  const url = /http:\/\/127\.0\.0\.1:\d+/.exec(line)?.[0] as string;
  return {
    child,
    url,
    port: Number(url.split(":").pop()),
    logs,
    stderr: () => stderr,
    waitForStderr,
    waitForLogs: async (count, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (logs.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      return logs;
    },
    logOf: async (answer, timeoutMs = 10_000) => {
      const id = answer.headers["x-amz-cf-id"];
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = logs.find((entry) => entry.requestId === id);
        if (line || Date.now() > deadline) return line;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  text(): string;
  json(): Record<string, unknown>;
}

/** One HTTP/1.1 request on a fresh connection. */
export function http(url: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? "GET", headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: () => body.toString("utf8"), json: () => JSON.parse(body.toString("utf8")) as Record<string, unknown> });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Sends raw bytes and returns whatever comes back before the server closes (or 5 s pass). */
export function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(received);
    }, 5000);
    socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
    socket.on("error", reject);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.write(bytes);
  });
}
