/**
 * P4: wall time and peak RSS of `npm run synth` (every environment), each run a fresh process into a
 * temporary cdktf.out. "warm": the repository's build cache, as a developer re-runs synth; "cold": a
 * copy of the project with no build cache, as a fresh clone in CI.
 */
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const PROJECT_ROOT = resolve(__dirname, "../..");
const SYNTH_INPUTS = ["main.ts", "cdktf.json", "tsconfig.json", "package.json", "config", "src", "handlers", "models"];

export interface SynthRun {
  readonly seconds: number;
  /** The largest maxRSS of the node processes synth ran (esbuild's own binary is not counted). */
  readonly peakRssMiB: number;
}

/** Records each node process's peak resident set size when it exits. */
const RSS_RECORDER = `process.on("exit", () => { try { require("fs").appendFileSync(process.env.BENCH_RSS_FILE, process.resourceUsage().maxRSS + "\\n"); } catch {} });\n`;

/**
 * One synth from `projectDir` (every environment unless `environments` is given) into `outdir`, or a
 * temporary one removed afterwards; rejects when synth fails.
 */
export async function timeSynth(projectDir: string, options: { outdir?: string; environments?: string } = {}): Promise<SynthRun> {
  const work = mkdtempSync(join(tmpdir(), "edge-inference-bench-synth-"));
  const recorder = join(work, "rss-recorder.js");
  const rssFile = join(work, "rss.txt");
  writeFileSync(recorder, RSS_RECORDER);
  const { EDGE_INFERENCE_ENVS: _ignored, ...environment } = process.env;
  if (options.environments !== undefined) environment.EDGE_INFERENCE_ENVS = options.environments;
  try {
    const started = performance.now();
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolveRun, reject) => {
      const child = spawn(process.execPath, [join(PROJECT_ROOT, "node_modules/tsx/dist/cli.mjs"), "main.ts"], {
        cwd: projectDir,
        env: { ...environment, CDKTF_OUTDIR: options.outdir ?? join(work, "cdktf.out"), BENCH_RSS_FILE: rssFile, NODE_OPTIONS: `--require ${recorder}` },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let text = "";
      child.stderr.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      child.on("error", reject);
      child.on("close", (exitCode) => resolveRun({ code: exitCode, stderr: text }));
    });
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`synth failed: ${stderr.trim().split("\n").slice(-3).join(" ")}`);
    const peakKiB = Math.max(...readFileSync(rssFile, "utf8").trim().split("\n").map(Number));
    return { seconds, peakRssMiB: peakKiB / 1024 };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A copy of the synth inputs with node_modules linked and no build cache. */
export function coldProjectCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "edge-inference-bench-project-"));
  for (const entry of SYNTH_INPUTS) cpSync(join(PROJECT_ROOT, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(PROJECT_ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

export async function measureSynth(mode: "warm" | "cold"): Promise<SynthRun> {
  if (mode === "warm") return timeSynth(PROJECT_ROOT);
  const project = coldProjectCopy();
  try {
    return await timeSynth(project);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}
