import { readFileSync } from "node:fs";
import { join } from "node:path";
import { transformSync } from "esbuild";
import { canonicalizeQuery, canonicalValue, type QueryInputSpec } from "../../../handlers/shared/canonical-query";
import { seededRandom as prng } from "../../../ops/bench/seeded-random";

const SOURCE = join(__dirname, "../../../handlers/shared/canonical-query.ts");

describe("canonical-query module", () => {
  it("is plain ES5 once types are stripped, with no imports or Node APIs (CloudFront Functions, njs)", () => {
    const source = readFileSync(SOURCE, "utf8");
    expect(() => transformSync(source, { loader: "ts", target: "es5", format: "cjs" })).not.toThrow();
    const code = transformSync(source, { loader: "ts", format: "esm" }).code;
    for (const forbidden of [/\bimport\b/, /\brequire\(/, /\bBuffer\b/, /URLSearchParams/, /TextEncoder/, /\bBigInt\b/, /\?\./, /\?\?/, /\.\.\./, /\bclass\b/, /function\s*\*/, /\(\?<[=!]/, /=>/]) {
      expect(code).not.toMatch(forbidden);
    }
  });
});

describe("canonicalValue", () => {
  it.each([
    ["FP32", ["5.10", "5.1", "5.1e0", "+5.1", "51e-1", "0005.1000", ".51e1", "5.1000001"], "5.1"],
    ["FP32", ["0", "-0", "+0.000", "0e10"], "0"],
    ["FP64", ["5.10", "+5.1", "51E-1"], "5.1"],
    ["INT64", ["+0009223372036854775807", "9223372036854775807"], "9223372036854775807"],
    ["INT64", ["-9223372036854775808", "-09223372036854775808"], "-9223372036854775808"],
    ["INT64", ["-0", "+0", "000"], "0"],
    ["UINT64", ["18446744073709551615"], "18446744073709551615"],
    ["INT8", ["-128", "-0128"], "-128"],
    ["BOOL", ["true", "TRUE", "1"], "true"],
  ])("%s spellings %j are one value %s", (datatype, spellings, canonical) => {
    for (const spelling of spellings) expect(canonicalValue(spelling, datatype)).toBe(canonical);
  });

  it.each([
    ["FP32", ["NaN", "Infinity", "-Infinity", "1e39", "", "0x10", "1,5", "e5", ".", "1e", "--1"]],
    ["FP64", ["1e309", "NaN"]],
    ["INT64", ["9223372036854775808", "-9223372036854775809", "1.0", "1e3", "", "12a"]],
    ["UINT64", ["18446744073709551616", "-1"]],
    ["INT8", ["128", "-129", "1.5"]],
    ["UINT8", ["256", "-1"]],
    ["BOOL", ["yes", "2", ""]],
  ])("%s refuses %j", (datatype, spellings) => {
    for (const spelling of spellings) expect(canonicalValue(spelling as string, datatype)).toBeNull();
  });

  it("keeps every float32 exactly through its canonical spelling (property, seeded)", () => {
    const random = prng(20240601);
    const bits = new Uint32Array(1);
    const asFloat = new Float32Array(bits.buffer);
    for (let trial = 0; trial < 5000; trial++) {
      bits[0] = Math.floor(random() * 2 ** 32);
      const value = asFloat[0];
      if (!Number.isFinite(value)) continue;
      const canonical = canonicalValue(String(value), "FP32") as string;
      expect(Math.fround(Number(canonical))).toBe(value === 0 ? 0 : value);
      expect(canonicalValue(canonical, "FP32")).toBe(canonical);
    }
  });
});

describe("canonicalizeQuery", () => {
  const specs: QueryInputSpec[] = [
    { name: "x", datatype: "FP32", elements: 3 },
    { name: "id", datatype: "INT64", elements: 1 },
    { name: "tag", datatype: "BYTES", elements: 2 },
    { name: "flag", datatype: "BOOL", elements: 1 },
  ];

  function spellFloat(value: number, random: () => number): string {
    const text = String(value);
    const choices = [
      () => text,
      () => (value >= 0 ? `+${text}` : text),
      () => (text.includes("e") ? text : `${text}${text.includes(".") ? "" : "."}000`),
      () => value.toExponential(),
      () => (value >= 0 && !text.includes("e") ? `00${text}` : text),
      () => (text.includes("e") ? text : `${text}e0`),
      () => value.toPrecision(17),
    ];
    const spelled = choices[Math.floor(random() * choices.length)]();
    return random() < 0.2 ? encodeURIComponent(spelled).replace(/\./g, "%2E") : encodeURIComponent(spelled);
  }

  function spellInt64(digits: string, negative: boolean, random: () => number): string {
    const zeros = "0".repeat(Math.floor(random() * 3));
    const sign = negative ? "-" : random() < 0.5 ? "%2B" : "";
    return `${sign}${zeros}${digits}`;
  }

  it("maps random equivalent spellings, orders and extra parameters to one query (property, seeded)", () => {
    const random = prng(7);
    const alphabet = ["a", "b", ",", " ", "&", "=", "%", "+", "é", "日本", "😀", "/", "?"];
    for (let trial = 0; trial < 500; trial++) {
      const floats = [0, 0, 0].map(() => Math.fround((random() - 0.5) * 10 ** Math.floor(random() * 12 - 6)));
      const digits = String(Math.floor(random() * 9e15) + 1);
      const negative = random() < 0.5;
      const tags = [0, 1].map(() => Array.from({ length: Math.floor(random() * 4) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(""));
      const flag = random() < 0.5;

      const spellings = Array.from({ length: 4 }, () => {
        const pairs = [
          `x=${floats.map((value) => spellFloat(value, random)).join(",")}`,
          `id=${spellInt64(digits, negative, random)}`,
          `tag=${tags.map((tag) => encodeURIComponent(tag)).join(",")}`,
          `flag=${flag ? (random() < 0.5 ? "true" : "1") : random() < 0.5 ? "FALSE" : "0"}`,
        ];
        if (random() < 0.5) pairs.push(`utm_${Math.floor(random() * 100)}=ignored`);
        if (random() < 0.3) pairs.push("");
        for (let i = pairs.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [pairs[i], pairs[j]] = [pairs[j], pairs[i]];
        }
        return pairs.join("&");
      });
      const results = spellings.map((query) => canonicalizeQuery(query, specs));
      for (const result of results) {
        if (!result.ok) throw new Error(`${spellings.join(" | ")}: ${result.error}`);
      }
      const first = results[0] as Extract<(typeof results)[0], { ok: true }>;
      for (const result of results) expect(result).toEqual(first);
      // Canonical is a fixed point, and decodes back to the same values.
      expect(canonicalizeQuery(first.query, specs)).toEqual(first);
      const byName = Object.fromEntries(first.inputs.map((input) => [input.name, input.values]));
      expect(byName.x.map((value) => Math.fround(Number(value)))).toEqual(floats.map((value) => (value === 0 ? 0 : value)));
      expect(byName.id).toEqual([negative ? `-${digits}` : digits]);
      expect(byName.tag).toEqual(tags);
      expect(byName.flag).toEqual([String(flag)]);
      expect(first.query.split("&").map((pair) => pair.split("=")[0])).toEqual(["flag", "id", "tag", "x"]);
    }
  });

  it("rejects duplicates, missing inputs, wrong counts and bad encoding with a message", () => {
    const ok = "x=1,2,3&id=1&tag=a,b&flag=1";
    expect(canonicalizeQuery(ok, specs).ok).toBe(true);
    expect(canonicalizeQuery(`${ok}&x=1,2,3`, specs)).toEqual({ ok: false, error: "input 'x' is given more than once" });
    expect(canonicalizeQuery("x=1,2,3&id=1&tag=a,b", specs)).toEqual({ ok: false, error: "input 'flag' is missing from the query string" });
    expect(canonicalizeQuery("x=1,2&id=1&tag=a,b&flag=1", specs)).toEqual({ ok: false, error: "input 'x' needs 3 values for a batch of one, got 2" });
    expect(canonicalizeQuery("x=1,2,3&id=1&tag=%E0%A4%A,b&flag=1", specs)).toEqual({ ok: false, error: "input 'tag' value 1 is not valid percent-encoding" });
    expect(canonicalizeQuery("x=1,2,3&id=1.5&tag=a,b&flag=1", specs)).toEqual({ ok: false, error: "input 'id' value 1 \"1.5\" is not a decimal integer within int64" });
    expect(canonicalizeQuery("x=1", [{ name: "x", datatype: "FP32", elements: -1 }])).toEqual({
      ok: false,
      error: "input 'x' has dynamic dimensions besides the batch, so its shape cannot be inferred from a query; use POST",
    });
  });
});
