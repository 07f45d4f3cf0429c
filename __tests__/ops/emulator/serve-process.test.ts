/**
 * `npm run serve` as a process: a closed stdout, the signals that stop it (and what they leave in the
 * temporary directory), and the bench's start of it when it does not come up in time.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServeProcess } from "../../../ops/bench/load";
import { CLI, http, ROOT, synth } from "./harness";

jest.setTimeout(120_000);

let work: string;
let outdir: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "edge-inference-serve-process-"));
  outdir = join(work, "cdktf.out");
  await synth(outdir);
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

interface ServeChild {
  readonly child: ChildProcessWithoutNullStreams;
  /** Its own TMPDIR, so what it extracts there can be watched. */
  readonly tmp: string;
  stderr(): string;
  listening(): Promise<string>;
  exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The serve CLI in one process (tsx as a loader), so a signal reaches the server itself. */
function spawnServe(name: string): ServeChild {
  const tmp = join(work, name);
  mkdirSync(tmp);
  const child = spawn(process.execPath, ["--import", "tsx", CLI], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: "0", CDKTF_OUTDIR: outdir, TMPDIR: tmp },
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  child.stdout.on("data", () => undefined);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return {
    child,
    tmp,
    stderr: () => stderr,
    listening: async () => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (match) return match[1];
        if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) throw new Error(`serve did not start:\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    exit: () => exited,
  };
}

const extractedDirs = (tmp: string) => readdirSync(tmp).filter((entry) => entry.startsWith("edge-inference-emulator-"));

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("a closed stdout (npm run serve | head)", () => {
  it("stops the request log, not the server", async () => {
    const serve = spawnServe("epipe");
    try {
      const url = await serve.listening();
      serve.child.stdout.destroy();
      for (let request = 0; request < 5; request++) expect((await http(`${url}/v2/health/live`)).status).toBe(200);
      expect(serve.child.exitCode).toBeNull();
      serve.child.kill("SIGTERM");
      expect(await serve.exit()).toEqual({ code: 0, signal: null });
      expect(serve.stderr()).not.toMatch(/EPIPE|Unhandled/);
    } finally {
      serve.child.kill("SIGKILL");
    }
  });
});

describe("stop signals", () => {
  it.each(["SIGHUP", "SIGINT", "SIGTERM"] as const)("%s stops the server and removes the extracted functions", async (signal) => {
    const serve = spawnServe(`after-${signal}`);
    try {
      await serve.listening();
      expect(extractedDirs(serve.tmp)).toHaveLength(1);
      serve.child.kill(signal);
      expect(await serve.exit()).toEqual({ code: 0, signal: null });
      expect(extractedDirs(serve.tmp)).toEqual([]);
    } finally {
      serve.child.kill("SIGKILL");
    }
  });

  it("a signal while the functions load stops the server once they have loaded", async () => {
    const serve = spawnServe("while-loading");
    try {
      await until(() => extractedDirs(serve.tmp).length > 0, "the extraction to start");
      serve.child.kill("SIGTERM");
      expect(await serve.exit()).toEqual({ code: 0, signal: null });
      expect(extractedDirs(serve.tmp)).toEqual([]);
    } finally {
      serve.child.kill("SIGKILL");
    }
  });
});

/** Child processes of this one running the serve CLI (Linux /proc). */
function serveChildren(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent === process.pid && readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("ops/emulator/cli.ts")) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe("the bench's serve process", () => {
  (process.platform === "linux" ? it : it.skip)("is stopped before the start is reported as failed", async () => {
    try {
      await expect(startServeProcess(outdir, "dev", { startTimeoutMs: 300 })).rejects.toThrow(/did not start in 0\.3 s/);
      expect(serveChildren()).toEqual([]);
    } finally {
      for (const pid of serveChildren()) process.kill(pid, "SIGTERM");
    }
  });

  it("starts and stops", async () => {
    const server = await startServeProcess(outdir, "dev");
    try {
      expect((await http(`${server.url}/v2/health/live`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});
