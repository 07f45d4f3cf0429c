import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createContext, Script } from "node:vm";
import { onnx } from "onnx-proto";
import { canonicalizeQuery, canonicalValue, type QueryInputSpec } from "../../handlers/shared/canonical-query";
import { InferenceRuntime, silentLogger } from "../../handlers/core";
import { modelConfigFromFile } from "../../handlers/core/local-models";
import { buildViewerRequestCode, BuildError } from "../../src/build";
import { readModelQueryInputs } from "../../src/build/model-files";
import {
  CANONICAL_QUERY_MODULE,
  generateViewerRequestCode,
  queryParameterNames,
  VIEWER_REQUEST_CODE_LIMIT_BYTES,
  type ViewerRequestModel,
} from "../../src/build/viewer-request-code";
import { loadEnvironment } from "../../src/config/load";
import type { ModelArtifact } from "../../src/config/models";
import { IRIS_DIR, testModels } from "../handlers/fixtures";
import { PROJECT_ROOT } from "./temp-project";
import { seededRandom as prng } from "../../ops/bench/seeded-random";

// ---------------------------------------------------------------------------------------------
// Running the generated code: in Node (a bare vm context, so no Node API can sneak in) and in njs.

type Handler = (event: CloudFrontEvent) => unknown;

interface QueryField {
  value: string;
  multiValue?: { value: string }[];
}

interface CloudFrontEvent {
  version: "1.0";
  context: { eventType: "viewer-request" };
  viewer: { ip: string };
  request: { method: string; uri: string; querystring: Record<string, QueryField>; headers: Record<string, { value: string }>; cookies: Record<string, unknown> };
}

/** A JSON copy, so objects made in another realm (vm, njs) compare as plain data. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function nodeHandler(code: string): Handler {
  const context = createContext({});
  new Script(code, { filename: "viewer-request.js" }).runInContext(context);
  const handler = (context as { handler?: (event: unknown) => unknown }).handler;
  if (typeof handler !== "function") throw new Error("the generated code defines no handler function");
  return (event) => plain(handler(plain(event)));
}

/** njs on PATH or where the Debian package puts it; a missing njs fails the tests that need it. */
function njsPath(): string {
  for (const candidate of ["njs", "/usr/bin/njs"]) {
    if (spawnSync(candidate, ["-v"], { encoding: "utf8" }).status === 0) return candidate;
  }
  throw new Error(
    "njs not found (neither on PATH nor /usr/bin/njs): install the Debian package `njs` (apt-get install -y njs), as .ci/run does before npm test",
  );
}

function runNjs(script: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "viewer-request-njs-"));
  try {
    const file = join(dir, "script.js");
    writeFileSync(file, script);
    const result = spawnSync(njsPath(), [file], { encoding: "utf8" });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** JSON as JavaScript source that even pre-ES2019 engines read: U+2028/2029 escaped. */
function jsLiteral(value: unknown): string {
  return JSON.stringify(value).replace(/[\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16)}`);
}

/** Calls `fn` (a global of `code`) on each argument list under njs; njs prints at most 2 KB a line, so results go through a file. */
function callUnderNjs(code: string, fn: string, argumentLists: unknown[][]): unknown[] {
  const dir = mkdtempSync(join(tmpdir(), "viewer-request-njs-"));
  try {
    const out = join(dir, "out.json");
    const harness = [
      code,
      `var calls = ${jsLiteral(argumentLists)};`,
      "var results = [];",
      `for (var i = 0; i < calls.length; i++) results.push(${fn}.apply(null, calls[i]));`,
      `require("fs").writeFileSync(${jsLiteral(out)}, JSON.stringify(results));`,
    ].join("\n");
    const file = join(dir, "harness.js");
    writeFileSync(file, harness);
    const result = spawnSync(njsPath(), [file], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) throw new Error(`njs exited with ${result.status}: ${result.stdout}${result.stderr}`);
    return JSON.parse(readFileSync(out, "utf8")) as unknown[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Requests as CloudFront Functions receive them.

/** The querystring object CloudFront builds from a raw query: raw values, duplicates folded into multiValue. */
function cloudFrontQuerystring(rawQuery: string): Record<string, QueryField> {
  const querystring: Record<string, QueryField> = {};
  for (const pair of rawQuery.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? "" : pair.slice(eq + 1);
    const field = querystring[name];
    if (!field) querystring[name] = { value };
    else field.multiValue = [...(field.multiValue ?? [{ value: field.value }]), { value }];
  }
  return querystring;
}

function viewerRequest(method: string, uri: string, rawQuery = ""): CloudFrontEvent {
  return {
    version: "1.0",
    context: { eventType: "viewer-request" },
    viewer: { ip: "198.51.100.7" },
    request: { method, uri, querystring: cloudFrontQuerystring(rawQuery), headers: { host: { value: "d111111abcdef8.cloudfront.net" } }, cookies: {} },
  };
}

/** The querystring object the function must leave for a query the runtime canonicalizes to `query`. */
function querystringOf(query: string): Record<string, QueryField> {
  const querystring: Record<string, QueryField> = {};
  for (const pair of query === "" ? [] : query.split("&")) {
    const eq = pair.indexOf("=");
    querystring[pair.slice(0, eq)] = { value: pair.slice(eq + 1) };
  }
  return querystring;
}

function badRequest(error: string) {
  return {
    statusCode: 400,
    statusDescription: "Bad Request",
    headers: { "content-type": { value: "application/json" }, "cache-control": { value: "no-store" } },
    body: { encoding: "text", data: JSON.stringify({ error }) },
  };
}

// ---------------------------------------------------------------------------------------------
// Models.

const IRIS: ViewerRequestModel = { name: "iris", version: "1", queryInputs: [{ name: "features", datatype: "FP32", elements: 4 }] };

const MIXED_INPUTS: QueryInputSpec[] = [
  { name: "x", datatype: "FP32", elements: 3 },
  { name: "id", datatype: "INT64", elements: 1 },
  { name: "tag", datatype: "BYTES", elements: 2 },
  { name: "flag", datatype: "BOOL", elements: 1 },
  { name: "w", datatype: "FP64", elements: 2 },
  { name: "small", datatype: "INT8", elements: 1 },
  { name: "input:0", datatype: "UINT8", elements: 1 },
];
const MIXED: ViewerRequestModel = { name: "mixed", version: "3f2a9c1e0b7d", queryInputs: MIXED_INPUTS };
const MODELS = [IRIS, MIXED];

let code: string;
let handler: Handler;

beforeAll(() => {
  code = generateViewerRequestCode(PROJECT_ROOT, MODELS);
  handler = nodeHandler(code);
});

// ---------------------------------------------------------------------------------------------
// Random spellings of one request.

function spellFloat(value: number, random: () => number): string {
  const text = String(value);
  const plainText = !text.includes("e");
  const choices = [
    () => text,
    () => (value >= 0 ? `+${text}` : text),
    () => (plainText ? `${text}${text.includes(".") ? "" : "."}000` : text),
    () => value.toExponential(),
    () => (value >= 0 && plainText ? `00${text}` : text),
    () => (plainText ? `${text}e0` : text),
    () => value.toPrecision(17),
  ];
  const spelled = choices[Math.floor(random() * choices.length)]();
  return random() < 0.2 ? encodeURIComponent(spelled).replace(/\./g, "%2E") : encodeURIComponent(spelled);
}

/** The same decimal written differently: sign, zeros, exponent. */
function spellDecimal(text: string, random: () => number): string {
  const negative = text.startsWith("-");
  const [mantissa, exponentText] = (negative ? text.slice(1) : text).split("e");
  const exponent = Number(exponentText ?? 0);
  const [integer, fraction = ""] = mantissa.split(".");
  const digits = integer + fraction;
  const shift = Math.floor(random() * 4) - 1;
  const point = integer.length + shift;
  const padded = point > digits.length ? digits + "0".repeat(point - digits.length) : point < 0 ? "0".repeat(-point) + digits : digits;
  const at = Math.max(point, 0);
  const body = `${"0".repeat(Math.floor(random() * 2))}${padded.slice(0, at) || "0"}.${padded.slice(at)}${"0".repeat(Math.floor(random() * 3))}`;
  const sign = negative ? "-" : random() < 0.3 ? "%2B" : "";
  const exponentPart = exponent - shift === 0 && random() < 0.5 ? "" : `${random() < 0.5 ? "e" : "E"}${exponent - shift}`;
  return `${sign}${body}${exponentPart}`;
}

interface Case {
  readonly spellings: readonly string[];
}

function randomCase(random: () => number): Case {
  const floats = [0, 0, 0].map(() => Math.fround((random() - 0.5) * 10 ** Math.floor(random() * 12 - 6)));
  const doubles = [0, 0].map(() => String((random() - 0.5) * 10 ** Math.floor(random() * 40 - 20)));
  const digits = String(Math.floor(random() * 9e15) + 1);
  const negative = random() < 0.5;
  const alphabet = ["a", "b", ",", " ", "&", "=", "%", "+", "é", "日本", "😀", "/", "?"];
  const tags = [0, 1].map(() => Array.from({ length: Math.floor(random() * 4) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(""));
  const flag = random() < 0.5;
  const small = Math.floor(random() * 256) - 128;
  const byte = Math.floor(random() * 256);
  const spellings = Array.from({ length: 4 }, () => {
    const pairs = [
      `x=${floats.map((value) => spellFloat(value, random)).join(",")}`,
      `id=${negative ? "-" : random() < 0.5 ? "%2B" : ""}${"0".repeat(Math.floor(random() * 3))}${digits}`,
      `tag=${tags.map((tag) => encodeURIComponent(tag)).join(",")}`,
      `flag=${flag ? (random() < 0.5 ? "true" : "1") : random() < 0.5 ? "FALSE" : "0"}`,
      `w=${doubles.map((value) => spellDecimal(value, random)).join(",")}`,
      `small=${small >= 0 && random() < 0.5 ? "+" : ""}${small}`,
      `${random() < 0.5 ? "input:0" : "input%3A0"}=${byte}`,
    ];
    if (random() < 0.5) pairs.push(`utm_${Math.floor(random() * 100)}=ignored`);
    for (let i = pairs.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [pairs[i], pairs[j]] = [pairs[j], pairs[i]];
    }
    return pairs.join("&");
  });
  return { spellings };
}

function randomCases(seed: number, count: number): Case[] {
  const random = prng(seed);
  return Array.from({ length: count }, () => randomCase(random));
}

// ---------------------------------------------------------------------------------------------

describe("viewer-request code: versioned paths (in Node)", () => {
  it.each([
    ["GET", "/v2/models/iris", "/v2/models/iris/versions/1"],
    ["GET", "/v2/models/iris/ready", "/v2/models/iris/versions/1/ready"],
    ["HEAD", "/v2/models/iris/ready", "/v2/models/iris/versions/1/ready"],
    ["HEAD", "/v2/models/iris", "/v2/models/iris/versions/1"],
    ["GET", "/v2/models/iris/versions/1", "/v2/models/iris/versions/1"],
    ["GET", "/v2/models/%69ris/ready", "/v2/models/iris/versions/1/ready"],
    ["GET", "/v2/models/mixed/ready", "/v2/models/mixed/versions/3f2a9c1e0b7d/ready"],
  ])("%s %s goes to %s", (method, uri, rewritten) => {
    const result = handler(viewerRequest(method, uri)) as CloudFrontEvent["request"];
    expect(result.uri).toBe(rewritten);
    expect(result.method).toBe(method);
  });

  it("rewrites GET infer to the current version along with canonicalizing its query", () => {
    const result = handler(viewerRequest("GET", "/v2/models/iris/infer", "features=5.10,3.5,1.4,+0.2")) as CloudFrontEvent["request"];
    expect(result.uri).toBe("/v2/models/iris/versions/1/infer");
    expect(result.querystring).toEqual({ features: { value: "5.1,3.5,1.4,0.2" } });
  });

  it.each([
    ["POST", "/v2/models/iris/infer", "features=5.10,3.5,1.4,0.2&utm=1"],
    ["POST", "/v2/models/iris/versions/1/infer", "a=b"],
    ["PUT", "/v2/models/iris/infer", ""],
    ["OPTIONS", "/v2/models/iris/ready", ""],
    ["DELETE", "/v2/models/iris", ""],
    ["GET", "/v2/models/unknown/infer", "features=1,2,3,4"],
    ["GET", "/v2/models/constructor/infer", ""],
    ["GET", "/v2/models/__proto__/ready", ""],
    ["GET", "/v2/models/iris/versions/2/infer", "features=5.10,3.5,1.4,0.2"],
    ["GET", "/v2/models/iris/versions/0/ready", ""],
    ["GET", "/v2/models/iris/metadata", ""],
    ["GET", "/v2/models/iris/", ""],
    ["GET", "/v2/models/%E0%A4%A/infer", ""],
    ["GET", "/v2", "x=1"],
    ["GET", "/v2/health/ready", ""],
    ["GET", "/models/iris/1/model.onnx", "features=1"],
    ["GET", "/", ""],
  ])("passes %s %s?%s through untouched", (method, uri, query) => {
    const event = viewerRequest(method, uri, query);
    expect(handler(event)).toEqual(plain(event.request));
  });

  it("bakes the version in: a model update changes the rewritten URI, and so every cache key", () => {
    const updated = generateViewerRequestCode(PROJECT_ROOT, [{ ...IRIS, version: "2" }, MIXED]);
    expect(updated).not.toBe(code);
    const event = viewerRequest("GET", "/v2/models/iris/infer", "features=1,2,3,4");
    const before = handler(event) as CloudFrontEvent["request"];
    const after = nodeHandler(updated)(event) as CloudFrontEvent["request"];
    expect(before.uri).toBe("/v2/models/iris/versions/1/infer");
    expect(after.uri).toBe("/v2/models/iris/versions/2/infer");
    expect(after.querystring).toEqual(before.querystring);
    // A client that still names the old version is passed on for the origin's 404.
    const stale = viewerRequest("GET", "/v2/models/iris/versions/1/infer", "features=1,2,3,4");
    expect(nodeHandler(updated)(stale)).toEqual(plain(stale.request));
  });
});

describe("viewer-request code: the canonical GET query (in Node)", () => {
  it("maps random spellings, orders and unknown parameters to canonicalizeQuery's query (property, seeded)", () => {
    for (const { spellings } of randomCases(20240611, 300)) {
      const expected = canonicalizeQuery(spellings[0], MIXED_INPUTS);
      if (!expected.ok) throw new Error(`${spellings[0]}: ${expected.error}`);
      for (const spelling of spellings) {
        const result = handler(viewerRequest("GET", "/v2/models/mixed/infer", spelling)) as CloudFrontEvent["request"];
        expect(result.uri).toBe("/v2/models/mixed/versions/3f2a9c1e0b7d/infer");
        expect(result.querystring).toEqual(querystringOf(expected.query));
      }
    }
  });

  it("leaves a query the runtime takes unchanged as its own canonical form (fixed point)", () => {
    for (const { spellings } of randomCases(7, 50)) {
      const canonical = handler(viewerRequest("GET", "/v2/models/mixed/infer", spellings[1])) as CloudFrontEvent["request"];
      const query = Object.entries(canonical.querystring).map(([name, field]) => `${name}=${field.value}`).join("&");
      const again = handler(viewerRequest("GET", "/v2/models/mixed/versions/3f2a9c1e0b7d/infer", query)) as CloudFrontEvent["request"];
      expect(again.querystring).toEqual(canonical.querystring);
      const runtimeView = canonicalizeQuery(query, MIXED_INPUTS);
      expect(runtimeView.ok && runtimeView.query).toBe(query);
    }
  });

  it("drops parameters that are no model input, so they cannot bust the cache", () => {
    const result = handler(viewerRequest("GET", "/v2/models/iris/infer", "cb=123&features=1,2,3,4&features_=9&Features=1")) as CloudFrontEvent["request"];
    expect(result.querystring).toEqual({ features: { value: "1,2,3,4" } });
  });

  it.each([
    ["a duplicate (multiValue)", "features=1,2,3,4&features=1,2,3,4"],
    ["a duplicate spelled differently", "features=1,2,3,4&%66eatures=1,2,3,4"],
    ["a missing input", "feature=1,2,3,4"],
    ["too few values", "features=1,2,3"],
    ["a bad number", "features=1,2,3,0x10"],
    ["NaN", "features=1,2,3,NaN"],
    ["an out-of-range float32", "features=1,2,3,1e39"],
    ["bad percent-encoding in a value", "features=1,2,3,%E0%A4%A"],
    ["bad percent-encoding in an unknown name", "features=1,2,3,4&%ZZ=1"],
    ["an over-long query", `features=1,2,3,4&pad=${"x".repeat(8200)}`],
  ])("answers %s with the 400 the origin would give, so it never reaches the cache", (_what, query) => {
    const expected = canonicalizeQuery(query, IRIS.queryInputs);
    expect(expected.ok).toBe(false);
    const response = handler(viewerRequest("GET", "/v2/models/iris/infer", query));
    expect(response).toEqual(badRequest((expected as { error: string }).error));
  });

  it("rebuilds duplicates from multiValue so they are refused as the origin refuses them", () => {
    const event = viewerRequest("GET", "/v2/models/mixed/infer", "x=1,2,3&id=1&tag=a,b&flag=1&w=1,2&small=1&input%3A0=1&id=2");
    expect(event.request.querystring.id).toEqual({ value: "1", multiValue: [{ value: "1" }, { value: "2" }] });
    expect(handler(event)).toEqual(badRequest("input 'id' is given more than once"));
  });

  it("reads the query from rawQueryString() when the runtime has it, as the viewer sent it", () => {
    const event = viewerRequest("GET", "/v2/models/iris/infer", "");
    // The parsed object is empty here on purpose: only the raw query can supply the inputs.
    Object.assign(event.request, { rawQueryString: () => "features=+5.10,3.5e0,1.4,0.2&utm=x" });
    // Called without nodeHandler's JSON copy of the event, which would drop the method.
    const context = createContext({});
    new Script(code).runInContext(context);
    const result = plain((context as { handler: (event: unknown) => unknown }).handler(event)) as CloudFrontEvent["request"];
    const expected = canonicalizeQuery("features=+5.10,3.5e0,1.4,0.2", IRIS.queryInputs) as { query: string };
    expect(result.querystring).toEqual(querystringOf(expected.query));
  });

  it("writes input names percent-encoded, as queryParameterNames tells the cache policy", () => {
    const result = handler(viewerRequest("GET", "/v2/models/mixed/infer", "x=1,2,3&id=1&tag=a,b&flag=1&w=1,2&small=1&input:0=7")) as CloudFrontEvent["request"];
    expect(Object.keys(result.querystring).sort()).toEqual(queryParameterNames(MIXED).sort());
    expect(queryParameterNames(MIXED)).toContain("input%3A0");
  });
});

describe("viewer-request code: embedded from the one canonical-query module", () => {
  let scratch: string;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), "viewer-request-module-"));
  });

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  function projectWith(edit: (source: string) => string): string {
    const root = mkdtempSync(join(scratch, "project-"));
    mkdirSync(join(root, "handlers/shared"), { recursive: true });
    const source = readFileSync(join(PROJECT_ROOT, CANONICAL_QUERY_MODULE), "utf8");
    writeFileSync(join(root, CANONICAL_QUERY_MODULE), edit(source));
    return root;
  }

  it("is transpiled from the source file at generation, not copied by hand", () => {
    const root = projectWith((source) => source.replace("is given more than once", "appears twice"));
    const edited = nodeHandler(generateViewerRequestCode(root, [IRIS]));
    expect(edited(viewerRequest("GET", "/v2/models/iris/infer", "features=1,2,3,4&features=1,2,3,4"))).toEqual(badRequest("input 'features' appears twice"));
  });

  it("lowers later syntax the module might gain to ES5, such as ??, which njs 0.7.9 would let through", () => {
    // njs parses ??, though CloudFront's runtime 2.0 does not list it: the transpile is what keeps it out.
    expect(runNjs("var a = null; var b = a ?? 1;").status).toBe(0);
    const root = projectWith((source) => source.replace("return { ok: false, error: message };", "return { ok: false, error: message ?? \"unknown\" };"));
    expect(readFileSync(join(root, CANONICAL_QUERY_MODULE), "utf8")).toContain("??");
    const lowered = generateViewerRequestCode(root, [IRIS]);
    expect(lowered).not.toContain("??");
    expect(callUnderNjs(lowered, "handler", [[viewerRequest("GET", "/v2/models/iris/infer", "features=1")]])).toEqual([
      badRequest("input 'features' needs 4 values for a batch of one, got 1"),
    ]);
  });

  it("fails the build, naming the module, for syntax that has no ES5 form", () => {
    const root = projectWith((source) => `${source}\nexport class Unwanted {}\n`);
    expect(() => generateViewerRequestCode(root, [IRIS])).toThrow(BuildError);
    expect(() => generateViewerRequestCode(root, [IRIS])).toThrow(/handlers\/shared\/canonical-query\.ts:\d+:\d+: .*class.*\(the viewer-request function needs ES5\)/);
  });

  it("fails the build when the module gains an import", () => {
    const root = projectWith((source) => `import { x } from "./elsewhere";\nvar unused = x;\n${source}`);
    expect(() => generateViewerRequestCode(root, [IRIS])).toThrow(/only "export function" and "export var" can be embedded/);
  });

  it("is deterministic and defines the top-level handler CloudFront calls", () => {
    expect(generateViewerRequestCode(PROJECT_ROOT, [MIXED, IRIS])).toBe(code);
    expect(code).toMatch(/(^|[;}\n])function handler\(/);
    expect(code).not.toMatch(/\b(let|const|class)\s|=>|`|\?\?|\?\./);
  });
});

describe("viewer-request code under njs (the engine CloudFront Functions' runtime follows)", () => {
  it("finds njs, which .ci/run installs", () => {
    expect(() => njsPath()).not.toThrow();
  });

  it("gives the same result as Node for every request above and random spellings (property, seeded)", () => {
    const events: CloudFrontEvent[] = [
      viewerRequest("GET", "/v2/models/iris"),
      viewerRequest("HEAD", "/v2/models/iris/ready"),
      viewerRequest("GET", "/v2/models/iris/infer", "features=5.10,3.5,1.4,+0.2&utm=1"),
      viewerRequest("GET", "/v2/models/iris/infer", "features=1,2,3,4&features=1,2,3,4"),
      viewerRequest("GET", "/v2/models/iris/infer", "features=1,2,3,%E0%A4%A"),
      viewerRequest("GET", "/v2/models/iris/infer", "features=1,2,3,4&%ZZ=1"),
      viewerRequest("GET", "/v2/models/iris/versions/2/infer", "features=1,2,3,4"),
      viewerRequest("POST", "/v2/models/iris/infer", "features=1"),
      viewerRequest("GET", "/v2/models/constructor/infer"),
      viewerRequest("GET", "/v2/models/%E0%A4%A/infer"),
      viewerRequest("GET", "/models/iris/1/model.onnx"),
      ...randomCases(99, 150).flatMap(({ spellings }) => spellings.map((spelling) => viewerRequest("GET", "/v2/models/mixed/infer", spelling))),
    ];
    const underNjs = callUnderNjs(code, "handler", events.map((event) => [event]));
    expect(underNjs).toEqual(events.map((event) => handler(event)));
  });

  it("spells every value as the runtime's module does in Node: float32 ties, float64 decimals, integers (property, seeded)", () => {
    const random = prng(314159);
    const bits = new Uint32Array(2);
    const asFloat32 = new Float32Array(bits.buffer, 0, 1);
    const asFloat64 = new Float64Array(bits.buffer);
    const calls: [string, string][] = [];
    for (let i = 0; i < 4000; i++) {
      bits[0] = Math.floor(random() * 2 ** 32);
      if (Number.isFinite(asFloat32[0])) calls.push([asFloat32[0].toPrecision(12), "FP32"]);
      // Values with few binary digits, where a decimal digit can be an exact tie.
      calls.push([String(Math.floor(random() * 1e6) / 2 ** Math.floor(random() * 16)), "FP32"]);
      bits[0] = Math.floor(random() * 2 ** 32);
      bits[1] = Math.floor(random() * 2 ** 32);
      if (Number.isFinite(asFloat64[0])) calls.push([asFloat64[0].toPrecision(1 + Math.floor(random() * 20)), "FP64"]);
      calls.push([String(Math.floor(random() * 2 ** 53) * (random() < 0.5 ? -1 : 1)), "INT64"]);
    }
    calls.push(["2129849.25", "FP32"], ["-2129849.25", "FP32"], ["25", "FP32"], ["1.00000762939453125", "FP64"], ["0.30000000000000004", "FP64"]);
    const underNjs = callUnderNjs(code, "canonicalValue", calls);
    expect(underNjs).toEqual(calls.map(([text, datatype]) => canonicalValue(text, datatype)));
  });

  it("refuses syntax that CloudFront's runtime 2.0 lacks, so running under njs has teeth", () => {
    for (const snippet of ["var o = {}; var y = o?.a;", "class A {}", "var [a, b] = [1, 2];", "var s = [...[1, 2]];", "function f({ a }) { return a; }"]) {
      const run = runNjs(snippet);
      expect({ snippet, refused: run.status !== 0 && /SyntaxError/.test(run.output) }).toEqual({ snippet, refused: true });
    }
  });

});

describe("viewer-request code size", () => {
  it("fits CloudFront's 10 KB with room to spare for the repository's environments", async () => {
    for (const environment of ["dev", "prod"]) {
      const { models } = loadEnvironment(environment, { configDir: join(PROJECT_ROOT, "config"), modelsRoot: join(PROJECT_ROOT, "models") });
      const built = await buildViewerRequestCode({ projectRoot: PROJECT_ROOT, models });
      expect(built.bytes).toBe(Buffer.byteLength(built.code, "utf8"));
      expect(built.bytes).toBeLessThanOrEqual(VIEWER_REQUEST_CODE_LIMIT_BYTES * 0.8);
    }
  });

  it("fits with a dozen models of several inputs each", () => {
    const several: ViewerRequestModel[] = Array.from({ length: 12 }, (_, index) => ({
      name: `model-${String(index).padStart(2, "0")}-classifier`,
      version: "0123456789ab",
      queryInputs: [
        { name: "passenger_class", datatype: "INT64", elements: 1 },
        { name: "sex", datatype: "BYTES", elements: 1 },
        { name: "age", datatype: "FP32", elements: 1 },
        { name: "fare", datatype: "FP32", elements: 1 },
        { name: "embarked", datatype: "BYTES", elements: 1 },
      ],
    }));
    const generated = generateViewerRequestCode(PROJECT_ROOT, several);
    expect(Buffer.byteLength(generated, "utf8")).toBeLessThanOrEqual(VIEWER_REQUEST_CODE_LIMIT_BYTES);
  });

  it("fails the build, with the size and the limit, when the models no longer fit", () => {
    const many: ViewerRequestModel[] = Array.from({ length: 80 }, (_, index) => ({ ...IRIS, name: `iris-variant-${index}` }));
    expect(() => generateViewerRequestCode(PROJECT_ROOT, many)).toThrow(BuildError);
    expect(() => generateViewerRequestCode(PROJECT_ROOT, many)).toThrow(/^viewer-request function: [\d,]+ bytes of code for 80 models, over CloudFront Functions' limit of 10,240 bytes/);
  });

  it("refuses a model listed twice", () => {
    expect(() => generateViewerRequestCode(PROJECT_ROOT, [IRIS, IRIS])).toThrow(/model "iris" is listed twice/);
  });
});

describe("viewer-request models read at synth", () => {
  it("has the same GET inputs as the runtime for iris and the shared fixture models", async () => {
    const fixtures = testModels();
    try {
      const runtimeModels = [
        modelConfigFromFile(IRIS_DIR, "iris", "model.onnx"),
        ...fixtures.config.models.filter((model) => ["mnist", "matmul", "titanic", "zipmap", "dynamic", "boolean_not"].includes(model.name)),
      ];
      expect(runtimeModels).toHaveLength(7);
      const roots: Record<string, string> = { iris: IRIS_DIR };
      const runtime = new InferenceRuntime({ config: { ...fixtures.config, models: runtimeModels.filter((model) => model.name !== "iris") }, root: fixtures.root, logger: silentLogger });
      const irisRuntime = new InferenceRuntime({ config: { ...fixtures.config, models: [runtimeModels[0]] }, root: IRIS_DIR, logger: silentLogger });

      const modelFiles = runtimeModels.map((model) => {
        const path = resolve(roots[model.name] ?? fixtures.root, model.modelFile as string);
        const artifact = { name: model.name, serve: "edge", directory: join(path, ".."), modelPath: path, manifestPath: undefined, manifest: undefined, sha256: "", version: model.version } as ModelArtifact;
        return { model: artifact, shown: model.name, bytes: readFileSync(path) };
      });
      const synthSide = await readModelQueryInputs(modelFiles);
      for (const { model, queryInputs } of synthSide) {
        const loaded = await (model.name === "iris" ? irisRuntime : runtime).registry.get(model.name);
        expect({ model: model.name, queryInputs }).toEqual({ model: model.name, queryInputs: loaded.signature.queryInputs });
      }
      expect(Object.fromEntries(synthSide.map(({ model, queryInputs }) => [model.name, queryInputs]))).toMatchObject({
        iris: [{ name: "features", datatype: "FP32", elements: 4 }],
        mnist: [{ name: "Input3", datatype: "FP32", elements: 784 }],
        titanic: [
          { name: "pclass", datatype: "INT64", elements: 1 },
          { name: "sex", datatype: "BYTES", elements: 1 },
          { name: "age", datatype: "FP32", elements: 1 },
          { name: "fare", datatype: "FP32", elements: 1 },
          { name: "embarked", datatype: "BYTES", elements: 1 },
        ],
        dynamic: [{ name: "x", datatype: "FP32", elements: -1 }],
        boolean_not: [{ name: "flags", datatype: "BOOL", elements: 3 }],
      });
    } finally {
      rmSync(fixtures.scratch, { recursive: true, force: true });
    }
  });

  it("bakes each configured model's version and inputs into the function for the repository's config", async () => {
    const { models } = loadEnvironment("dev", { configDir: join(PROJECT_ROOT, "config"), modelsRoot: join(PROJECT_ROOT, "models") });
    const built = await buildViewerRequestCode({ projectRoot: PROJECT_ROOT, models });
    expect(built.models).toEqual(models.map((model) => ({ name: model.name, version: model.version, queryInputs: expect.any(Array) })));
    expect(built.queryParameterNames).toEqual({ iris: ["features"] });
    const iris = models.find((model) => model.name === "iris") as ModelArtifact;
    const result = nodeHandler(built.code)(viewerRequest("GET", "/v2/models/iris/infer", "features=5.10,3.5,1.4,0.2&x=1")) as CloudFrontEvent["request"];
    expect(result.uri).toBe(`/v2/models/iris/versions/${iris.version}/infer`);
    expect(result.querystring).toEqual({ features: { value: "5.1,3.5,1.4,0.2" } });
  });

  it("fails the build, naming the file and input, for a model whose inputs the runtime cannot take", async () => {
    const half = onnx.TypeProto.create({ tensorType: { elemType: onnx.TensorProto.DataType.FLOAT16, shape: { dim: [{ dimParam: "N" }, { dimValue: 2 }] } } });
    const bytes = onnx.ModelProto.encode(
      onnx.ModelProto.create({
        irVersion: 8,
        opsetImport: [{ domain: "", version: 13 }],
        graph: { name: "half", input: [{ name: "h", type: half }], output: [{ name: "y", type: half }], node: [{ opType: "Identity", input: ["h"], output: ["y"] }] },
      }),
    ).finish();
    const artifact = { name: "half", serve: "edge", directory: "", modelPath: "", manifestPath: undefined, manifest: undefined, sha256: "", version: "1" } as ModelArtifact;
    await expect(readModelQueryInputs([{ model: artifact, shown: "models/half/model.onnx", bytes }])).rejects.toThrow(
      "models/half/model.onnx: the runtime cannot serve it: input 'h' has ONNX type float16, which the runtime cannot accept",
    );
  });

  it("fails the build, naming the file, for a model ONNX Runtime cannot load", async () => {
    const scratch = mkdtempSync(join(tmpdir(), "viewer-request-bad-model-"));
    try {
      const path = join(scratch, "model.onnx");
      cpSync(join(IRIS_DIR, "model.json"), join(scratch, "model.json"));
      writeFileSync(path, "not an ONNX model");
      const artifact = { name: "broken", serve: "edge", directory: scratch, modelPath: path, manifestPath: undefined, manifest: undefined, sha256: "", version: "1" } as ModelArtifact;
      await expect(readModelQueryInputs([{ model: artifact, shown: "models/broken/model.onnx", bytes: readFileSync(path) }])).rejects.toThrow(
        /^models\/broken\/model\.onnx: ONNX Runtime cannot load it: /,
      );
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
