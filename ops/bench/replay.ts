/**
 * P5: cache hit ratio of a replay of GET infer requests through the emulated edge (in process: the
 * viewer-request function, the cache policy, the edge function from its zip), against the ideal
 * (1 - distinct canonical inputs / requests) and a naive key that keeps the query string as sent.
 */
import { canonicalizeQuery, type QueryInputSpec } from "../../handlers/shared/canonical-query";
import { Emulator } from "../emulator/emulator";
import type { ViewerRequest } from "../emulator/http-types";
import { seededRandom } from "./seeded-random";

export interface ReplayOptions {
  readonly outdir: string;
  readonly stack: string;
  readonly model: string;
  readonly requests?: number;
  /** How many different inputs the Zipf distribution ranks. */
  readonly distinctInputs?: number;
  readonly zipfExponent?: number;
  readonly seed?: number;
}

export interface ReplayFigures {
  readonly requests: number;
  readonly hits: number;
  readonly hitRatio: number;
  readonly idealHitRatio: number;
  readonly naiveHitRatio: number;
  readonly distinctCanonical: number;
  readonly distinctRaw: number;
  readonly seed: number;
  readonly seconds: number;
}

/** Samples ranks 0..n-1 with P(rank r) proportional to 1 / (r + 1)^s. */
export function zipfSampler(n: number, s: number, random: () => number): () => number {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let rank = 0; rank < n; rank++) cumulative[rank] = total += 1 / Math.pow(rank + 1, s);
  return () => {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle] < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

/** Ways to write one decimal (given as fixed-point text) that all read back as the same number. */
function spellings(text: string): string[] {
  const [whole, fraction = ""] = text.split(".");
  const digits = `${whole}${fraction}`.replace(/^0+(?=\d)/, "");
  return [text, `${text}0`, `+${text}`, `0${text}`, `${text}e0`, `${digits}e-${fraction.length}`, `${text}E+0`];
}

const UNKNOWN_PARAMETERS = ["utm_source", "utm_campaign", "cb", "session", "ref", "debug"];

/** A viewer request for GET infer with the given query, as the server would hand it to the edge. */
function viewerRequest(path: string, query: string): ViewerRequest {
  return { method: "GET", path, query, headers: [{ name: "Host", value: "bench.example" }], body: Buffer.alloc(0), bodyBytes: 0, clientIp: "127.0.0.1", httpVersion: "1.1" };
}

export async function measureCacheReplay(options: ReplayOptions): Promise<ReplayFigures> {
  const requests = options.requests ?? 100_000;
  const distinctInputs = options.distinctInputs ?? 10_000;
  const seed = options.seed ?? 1;
  const random = seededRandom(seed);
  const emulator = Emulator.load({ outdir: options.outdir, stack: options.stack });
  try {
    const metadata = await emulator.edge.handle(viewerRequest(`/v2/models/${options.model}`, ""));
    const inputs = (JSON.parse(metadata.body.toString("utf8")) as { inputs: { name: string; datatype: string; shape: number[] }[] }).inputs;
    const specs: QueryInputSpec[] = inputs.map((input) => ({ name: input.name, datatype: input.datatype, elements: input.shape.slice(1).reduce((product, dimension) => product * dimension, 1) }));
    if (specs.some((spec) => !spec.datatype.startsWith("FP"))) throw new Error(`${options.model}: the replay writes floating-point inputs only`);

    // The distinct inputs, ranked: one decimal place, so each has several spellings.
    const catalogue: string[][][] = [];
    const seen = new Set<string>();
    while (catalogue.length < distinctInputs) {
      const values = specs.map((spec) => Array.from({ length: spec.elements }, () => (random() * 8).toFixed(1)));
      const key = JSON.stringify(values);
      if (seen.has(key)) continue;
      seen.add(key);
      catalogue.push(values);
    }
    const sample = zipfSampler(distinctInputs, options.zipfExponent ?? 1.1, random);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

    const canonicalQueries = new Set<string>();
    const rawQueries = new Set<string>();
    let hits = 0;
    const path = `/v2/models/${options.model}/infer`;
    const started = performance.now();
    for (let index = 0; index < requests; index++) {
      const values = catalogue[sample()];
      const parameters = specs.map((spec, input) => `${encodeURIComponent(spec.name)}=${values[input].map((text) => pick(spellings(text))).join(",")}`);
      const unknown = Math.floor(random() * 3);
      for (let extra = 0; extra < unknown; extra++) parameters.push(`${pick(UNKNOWN_PARAMETERS)}=${Math.floor(random() * 1000)}`);
      for (let i = parameters.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [parameters[i], parameters[j]] = [parameters[j], parameters[i]];
      }
      const query = parameters.join("&");
      const canonical = canonicalizeQuery(query, specs);
      if (!canonical.ok) throw new Error(`replay wrote an invalid query ${query}: ${canonical.error}`);
      canonicalQueries.add(canonical.query);
      rawQueries.add(query);
      const response = await emulator.edge.handle(viewerRequest(path, query));
      if (response.status !== 200) throw new Error(`replay request ${query} answered ${response.status}: ${response.body.toString("utf8").slice(0, 200)}`);
      if (response.resultType === "Hit") hits += 1;
    }
    return {
      requests,
      hits,
      hitRatio: hits / requests,
      idealHitRatio: 1 - canonicalQueries.size / requests,
      naiveHitRatio: 1 - rawQueries.size / requests,
      distinctCanonical: canonicalQueries.size,
      distinctRaw: rawQueries.size,
      seed,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    emulator.dispose();
  }
}
