/**
 * npm run bench [-- --runs N]: every benchmark of the project, each figure the median of N runs
 * (default 3), printed as a Markdown table and written to bench/results.json with the machine it
 * ran on. A benchmark reports; it never fails the build: a part that cannot run is reported as such
 * and the exit code stays 0.
 *   P1 warm edge handler vs raw session.run (ops/bench/runtime.ts)
 *   P2 cold start vs raw, P3 edge zip vs its floor (ops/bench/cold-start.ts)
 *   P4 synth wall time and peak RSS (ops/bench/synth.ts)
 *   P5 cache hit ratio of a 100k-request replay through the emulator (ops/bench/replay.ts)
 *   load: autocannon against npm run serve (ops/bench/load.ts)
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { arch, cpus, loadavg, platform, release, tmpdir, totalmem } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { median, measureColdStart, type ColdStartFigures } from "./cold-start";
import { measureLoad, type LoadFigures } from "./load";
import { measureCacheReplay, type ReplayFigures } from "./replay";
import { measureRuntime, type RuntimeFigures } from "./runtime";
import { measureSynth, timeSynth, type SynthRun } from "./synth";

const PROJECT_ROOT = resolve(__dirname, "../..");
const RESULTS_FILE = join(PROJECT_ROOT, "bench", "results.json");
const MODEL = "iris";
const ENVIRONMENT = "dev";

interface Row {
  readonly id: string;
  readonly figure: string;
  readonly value: string;
  readonly against: string;
}

function parseRuns(argv: readonly string[]): number {
  const index = argv.indexOf("--runs");
  const value = index >= 0 ? Number(argv[index + 1]) : Number(process.env.BENCH_RUNS ?? 3);
  return Number.isInteger(value) && value >= 1 ? value : 3;
}

function machine(): Record<string, unknown> {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? "unknown",
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    loadAverageAtStart: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

const fixed = (value: number, digits = 2) => value.toFixed(digits);
const medianOf = <T>(runs: readonly T[], pick: (run: T) => number) => median(runs.map(pick));

/**
 * Writes through a temporary file beside `file` and a rename, so a reader sees the old results or the
 * new ones, never half a file, and an interrupted run leaves the previous results intact.
 */
export function writeFileAtomically(file: string, text: string): void {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

async function repeat<T>(runs: number, label: string, measure: (run: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let run = 0; run < runs; run++) {
    process.stderr.write(`bench: ${label} ${run + 1}/${runs}\n`);
    results.push(await measure(run));
  }
  return results;
}

async function main(): Promise<void> {
  const runs = parseRuns(process.argv.slice(2));
  const started = Date.now();
  const results: Record<string, unknown> = { machine: machine(), runs, startedAt: new Date(started).toISOString() };
  const rows: Row[] = [];
  const skipped: string[] = [];
  const attempt = async (part: string, body: () => Promise<void>) => {
    try {
      await body();
    } catch (error) {
      const message = (error as { problems?: string[] }).problems?.join("; ") ?? (error instanceof Error ? error.message : String(error));
      skipped.push(`${part}: ${message.split("\n")[0]}`);
    }
  };

  await attempt("P1", async () => {
    const figures = await repeat<RuntimeFigures>(runs, "P1 warm handler vs raw session.run", () => measureRuntime(3000));
    const ratio = (variant: "edge JSON" | "edge binary", p: "p50" | "p99") => medianOf(figures, (run) => run.latencyUs[variant][p] / run.latencyUs["raw session.run"][p]);
    const us = (variant: keyof RuntimeFigures["latencyUs"], p: "p50" | "p99") => medianOf(figures, (run) => run.latencyUs[variant][p]);
    results.P1 = {
      model: "mnist",
      iterationsPerRun: 3000,
      medianUs: Object.fromEntries((["raw session.run", "minimal JSON handler", "edge JSON", "edge binary"] as const).map((variant) => [variant, { p50: us(variant, "p50"), p99: us(variant, "p99") }])),
      edgeJsonOverRaw: { p50: ratio("edge JSON", "p50"), p99: ratio("edge JSON", "p99") },
      edgeBinaryOverRaw: { p50: ratio("edge binary", "p50"), p99: ratio("edge binary", "p99") },
      edgeJsonOverMinimalP50: medianOf(figures, (run) => run.latencyUs["edge JSON"].p50 / run.latencyUs["minimal JSON handler"].p50),
      identicalOutputs: figures.every((run) => run.identical),
      runs: figures,
    };
    rows.push(
      { id: "P1", figure: "warm edge handler (JSON), mnist: p50 / p99", value: `${fixed(us("edge JSON", "p50"), 1)} / ${fixed(us("edge JSON", "p99"), 1)} us`, against: `raw session.run ${fixed(us("raw session.run", "p50"), 1)} / ${fixed(us("raw session.run", "p99"), 1)} us: ${fixed(ratio("edge JSON", "p50"))}x / ${fixed(ratio("edge JSON", "p99"))}x` },
      { id: "P1", figure: "warm edge handler (binary tensors): p50 / p99", value: `${fixed(us("edge binary", "p50"), 1)} / ${fixed(us("edge binary", "p99"), 1)} us`, against: `${fixed(ratio("edge binary", "p50"))}x / ${fixed(ratio("edge binary", "p99"))}x raw (budget p50 <= 1.3x)` },
      { id: "P1", figure: "edge JSON / minimal JSON handler, p50", value: `${fixed(medianOf(figures, (run) => run.latencyUs["edge JSON"].p50 / run.latencyUs["minimal JSON handler"].p50), 3)}x`, against: "budget <= 1.15x" },
    );
  });

  await attempt("P2/P3", async () => {
    process.stderr.write("bench: P2/P3 cold start and zip size\n");
    const figures: ColdStartFigures = await measureColdStart(Math.max(7, runs));
    const ratio = figures.handlerMedianMs / figures.rawMedianMs;
    const overFloor = figures.zips.edge.zipBytes / figures.edgeFloorBytes;
    results.P2 = { runs: figures.runs, handlerMedianMs: figures.handlerMedianMs, rawMedianMs: figures.rawMedianMs, ratio, handlerMs: figures.handlerMs, rawMs: figures.rawMs };
    results.P3 = { edgeZipBytes: figures.zips.edge.zipBytes, edgeFloorBytes: figures.edgeFloorBytes, ratio: overFloor, infoZipBytes: figures.infoZipBytes, zips: figures.zips };
    rows.push(
      { id: "P2", figure: `cold start, require index.js to first response (median of ${figures.runs} processes)`, value: `${fixed(figures.handlerMedianMs, 1)} ms`, against: `raw ORT ${fixed(figures.rawMedianMs, 1)} ms: ${fixed(ratio)}x (budget 1.2x)` },
      { id: "P3", figure: "edge zip size", value: `${(figures.zips.edge.zipBytes / 1024 ** 2).toFixed(2)} MiB`, against: `floor ${(figures.edgeFloorBytes / 1024 ** 2).toFixed(2)} MiB: ${fixed(overFloor, 3)}x (budget 1.05x)` },
    );
  });

  await attempt("P4", async () => {
    const warm = await repeat<SynthRun>(runs, "P4 synth, warm build cache", () => measureSynth("warm"));
    const cold = await repeat<SynthRun>(runs, "P4 synth, cold build cache", () => measureSynth("cold"));
    results.P4 = {
      environments: "all (config/*.json)",
      warm: { medianSeconds: medianOf(warm, (run) => run.seconds), medianPeakRssMiB: medianOf(warm, (run) => run.peakRssMiB), runs: warm },
      cold: { medianSeconds: medianOf(cold, (run) => run.seconds), medianPeakRssMiB: medianOf(cold, (run) => run.peakRssMiB), runs: cold },
    };
    for (const [mode, list] of [["warm", warm], ["cold", cold]] as const) {
      rows.push({
        id: "P4",
        figure: `npm run synth, every environment, ${mode} build cache`,
        value: `${fixed(medianOf(list, (run) => run.seconds))} s`,
        against: `peak RSS ${fixed(medianOf(list, (run) => run.peakRssMiB), 0)} MiB (largest node process)`,
      });
    }
  });

  const work = mkdtempSync(join(tmpdir(), "edge-inference-bench-"));
  const outdir = join(work, "cdktf.out");
  try {
    await attempt("P5 and load", async () => {
      await timeSynth(PROJECT_ROOT, { outdir, environments: ENVIRONMENT });
    });
    await attempt("P5", async () => {
      const replays = await repeat<ReplayFigures>(runs, "P5 replay of 100k GET infer requests", (run) => measureCacheReplay({ outdir, stack: `inference-${ENVIRONMENT}`, model: MODEL, seed: run + 1 }));
      const hit = medianOf(replays, (run) => run.hitRatio);
      const ideal = medianOf(replays, (run) => run.idealHitRatio);
      const naive = medianOf(replays, (run) => run.naiveHitRatio);
      results.P5 = { requests: 100_000, zipfExponent: 1.1, distinctInputs: 10_000, medianHitRatio: hit, medianIdealHitRatio: ideal, medianNaiveHitRatio: naive, runs: replays };
      rows.push({
        id: "P5",
        figure: "cache hit ratio, 100k GET infer, Zipf(1.1) over 10k inputs, respelled, reordered, unknown params",
        value: `${fixed(hit * 100, 2)} %`,
        against: `ideal ${fixed(ideal * 100, 2)} %, naive key (query as sent) ${fixed(naive * 100, 2)} %`,
      });
    });
    await attempt("load", async () => {
      const loads = await repeat<LoadFigures>(runs, "load test (autocannon, 2 x 5 s)", () => measureLoad({ outdir, environment: ENVIRONMENT, model: MODEL, durationSeconds: 5, connections: 16 }));
      const failures = loads.reduce((total, run) => total + run.cachedGet.failures + run.uncachedPost.failures, 0);
      results.load = {
        durationSeconds: 5,
        connections: 16,
        cachedGet: { medianRequestsPerSecond: medianOf(loads, (run) => run.cachedGet.requestsPerSecond), medianP99Ms: medianOf(loads, (run) => run.cachedGet.p99Ms) },
        uncachedPost: { medianRequestsPerSecond: medianOf(loads, (run) => run.uncachedPost.requestsPerSecond), medianP99Ms: medianOf(loads, (run) => run.uncachedPost.p99Ms) },
        failures,
        runs: loads,
      };
      for (const [label, pick] of [
        ["cached GET infer (hits)", (run: LoadFigures) => run.cachedGet],
        ["uncached POST infer (edge function)", (run: LoadFigures) => run.uncachedPost],
      ] as const) {
        rows.push({
          id: "load",
          figure: `npm run serve, ${label}, 16 connections, 5 s`,
          value: `${fixed(medianOf(loads, (run) => pick(run).requestsPerSecond), 0)} req/s`,
          against: `p99 ${fixed(medianOf(loads, (run) => pick(run).p99Ms), 1)} ms; ${loads.reduce((total, run) => total + pick(run).failures, 0)} errors`,
        });
      }
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  results.skipped = skipped;
  results.seconds = Math.round((Date.now() - started) / 100) / 10;
  mkdirSync(join(PROJECT_ROOT, "bench"), { recursive: true });
  writeFileAtomically(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);

  const info = results.machine as Record<string, unknown>;
  const lines = [
    `Benchmarks: median of ${runs} runs each; ${String(info.cpu)} (${String(info.cores)} cores), ${String(info.memoryGiB)} GiB, ${String(info.os)}, node ${String(info.node)}`,
    "",
    "| | figure | value | against |",
    "| --- | --- | --- | --- |",
    ...rows.map((row) => `| ${row.id} | ${row.figure} | ${row.value} | ${row.against} |`),
  ];
  if (skipped.length > 0) lines.push("", ...skipped.map((line) => `not measured: ${line}`));
  lines.push("", `written to ${RESULTS_FILE} in ${results.seconds} s`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

// Run as `npm run bench`, not when a test imports writeFileAtomically.
if (require.main === module) {
  main().catch((error: unknown) => {
    process.stdout.write(`bench could not finish: ${error instanceof Error ? error.message : String(error)}\n`);
  });
}
