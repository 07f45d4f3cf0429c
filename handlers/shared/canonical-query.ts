/*
 * Canonical form of the cacheable GET inference request
 *   GET /v2/models/{m}[/versions/{v}]/infer?<input>=<v1>,<v2>,...&<input2>=...
 *
 * This module is shared by the CloudFront Function that computes the cache key and by the
 * inference core, so that the cache key and what the model sees cannot disagree. The CloudFront
 * Functions runtime is ES5.1 with a few ES6 additions, so this file stays self-contained: no
 * imports, no Node APIs, no classes, no `?.`/`??`, no spread, no BigInt, no regex lookbehind.
 *
 * Query syntax: '+' is a literal plus sign (this is not form encoding), values are split on raw
 * commas before percent-decoding, so a BYTES value containing ',' sends it as %2C.
 */

/** One model input as the GET form needs it; `elements` is the element count with batch = 1, or -1 if unknown. */
export interface QueryInputSpec {
  name: string;
  datatype: string;
  elements: number;
}

export interface CanonicalInput {
  name: string;
  datatype: string;
  /** Canonical spellings: shortest round-trip numbers, decimal integers, "true"/"false", decoded UTF-8 for BYTES. */
  values: string[];
}

export type CanonicalQueryResult =
  | { ok: true; query: string; inputs: CanonicalInput[] }
  | { ok: false; error: string };

var MAX_QUERY_LENGTH = 8192;
var DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
var INTEGER = /^[+-]?\d+$/;
var INT64_MAX = "9223372036854775807";
var INT64_MIN_ABS = "9223372036854775808";
var UINT64_MAX = "18446744073709551615";

/** Integer types up to 32 bits, whose every value is an exact JS number; the runtime shares this table. */
export var SMALL_INTEGER_RANGES: { [datatype: string]: [number, number] } = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
};

function fail(message: string): { ok: false; error: string } {
  return { ok: false, error: message };
}

function decodePart(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch (e) {
    return null;
  }
}

/** Compares two digit strings without leading zeros as unsigned integers. */
function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A decimal spelling (a DECIMAL match or a toPrecision result) as [sign, digits, point]: <sign>0.<digits> x 10^point. */
function decimalParts(text: string): [string, string, number] {
  var first = text.charAt(0);
  var unsigned = first === "-" || first === "+" ? text.substring(1) : text;
  var e = unsigned.indexOf("e");
  if (e < 0) e = unsigned.indexOf("E");
  var mantissa = e < 0 ? unsigned : unsigned.substring(0, e);
  var dot = mantissa.indexOf(".");
  var digits = dot < 0 ? mantissa : mantissa.substring(0, dot) + mantissa.substring(dot + 1);
  var point = (dot < 0 ? mantissa.length : dot) + (e < 0 ? 0 : Number(unsigned.substring(e + 1)));
  return [first === "-" ? "-" : "", digits, point];
}

/**
 * Lays out the parts of a non-zero decimal as Number.prototype.toString lays out a number with
 * those digits. Done by hand because String(number) differs between engines: njs, whose feature set
 * CloudFront Functions' runtime follows, does not always print the shortest digits V8 prints.
 */
function numberText(parts: [string, string, number]): string {
  var digits = parts[1];
  var point = parts[2];
  var lead = 0;
  while (digits.charAt(lead) === "0") lead++;
  var end = digits.length;
  while (digits.charAt(end - 1) === "0") end--;
  digits = digits.substring(lead, end);
  point -= lead;
  var count = digits.length;
  var text: string;
  if (count <= point && point <= 21) text = digits + zeros(point - count);
  else if (0 < point && point <= 21) text = digits.substring(0, point) + "." + digits.substring(point);
  else if (-6 < point && point <= 0) text = "0." + zeros(-point) + digits;
  else text = digits.charAt(0) + (count > 1 ? "." + digits.substring(1) : "") + "e" + (point > 0 ? "+" : "-") + Math.abs(point - 1);
  return parts[0] + text;
}

function zeros(count: number): string {
  return new Array(count + 1).join("0");
}

/** The parts without their last digit, rounded away from zero. */
function roundedAway(parts: [string, string, number]): [string, string, number] {
  var digits = parts[1].substring(0, parts[1].length - 1);
  var last = digits.length - 1;
  while (last >= 0 && digits.charAt(last) === "9") last--;
  if (last < 0) return [parts[0], "1" + zeros(digits.length), parts[2] + 1];
  return [parts[0], digits.substring(0, last) + (Number(digits.charAt(last)) + 1) + zeros(digits.length - 1 - last), parts[2]];
}

function readsBackAs(text: string, value: number): boolean {
  return Math.fround(Number(text)) === value;
}

/**
 * The shortest decimal that reads back as the float32 `value`, so 5.1 stays "5.1" rather than
 * 5.099999904632568. Built from toPrecision, which engines agree on except at an exact tie, where
 * njs rounds down and ECMAScript (and V8) away from zero: a tie is spotted from one more digit and
 * rounded away from zero here, so every engine spells a value alike.
 */
function float32Text(value: number): string {
  // Bisection over 1-9 digits (9 always read back): reading back only gets easier with more digits,
  // and a full-precision value then costs 3-4 toPrecision calls instead of 8-9.
  var low = 1;
  var precision = 9;
  while (low < precision) {
    var middle = (low + precision) >> 1;
    if (readsBackAs(value.toPrecision(middle), value)) precision = middle;
    else low = middle + 1;
  }
  var text = value.toPrecision(precision);
  var longer = value.toPrecision(precision + 1);
  var e = longer.indexOf("e");
  if (longer.charAt((e < 0 ? longer.length : e) - 1) === "5" && Number(longer) === value) {
    var away = roundedAway(decimalParts(longer));
    if (readsBackAs(away[0] + "0." + away[1] + "e" + away[2], value)) return numberText(away);
  }
  // The shortest digits never end in 0, so toPrecision already lays them out as toString does,
  // except a large number it writes with an exponent.
  return text.indexOf("e+") < 0 ? text : numberText(decimalParts(text));
}

/**
 * FP32 values are spelled by value, the shortest decimal of the float32. FP64 values are spelled
 * by their decimal, normalized but never re-derived: njs does not parse every 16-17 digit decimal
 * to the nearest double as V8 does, so digits re-derived at the edge could name a neighbouring
 * double at the origin. Two spellings of one decimal share a cache key; two decimals that round
 * to the same double merely miss each other's cache entry.
 */
function canonicalFloat(text: string, single: boolean): string | null {
  var value = Number(text);
  // String(value) === text is only a shortcut past the regex, which is slow in njs.
  if (String(value) !== text && !DECIMAL.test(text)) return null;
  if (single) value = Math.fround(value);
  if (!isFinite(value)) return null;
  if (value === 0) return "0";
  return single ? float32Text(value) : numberText(decimalParts(text));
}

function canonicalInt64(text: string, unsigned: boolean): string | null {
  if (!INTEGER.test(text)) return null;
  var negative = text.charAt(0) === "-";
  var digits = text.charAt(0) === "+" || negative ? text.substring(1) : text;
  var start = 0;
  while (start < digits.length - 1 && digits.charAt(start) === "0") start++;
  digits = digits.substring(start);
  if (digits === "0") return "0";
  if (unsigned) {
    if (negative || compareDigits(digits, UINT64_MAX) > 0) return null;
    return digits;
  }
  if (compareDigits(digits, negative ? INT64_MIN_ABS : INT64_MAX) > 0) return null;
  return negative ? "-" + digits : digits;
}

function canonicalSmallInt(text: string, datatype: string): string | null {
  if (!INTEGER.test(text) || text.length > 12) return null;
  var value = Number(text);
  var range = SMALL_INTEGER_RANGES[datatype];
  if (value < range[0] || value > range[1]) return null;
  return String(value === 0 ? 0 : value);
}

function canonicalBool(text: string): string | null {
  var lower = text.toLowerCase();
  if (lower === "true" || lower === "1") return "true";
  if (lower === "false" || lower === "0") return "false";
  return null;
}

/** What a value of `datatype` must look like, or null when the GET form does not support the datatype. */
function expectation(datatype: string): string | null {
  if (datatype === "FP32" || datatype === "FP64") return "a finite " + datatype + " number";
  if (datatype === "BOOL") return "true, false, 1 or 0";
  if (datatype === "INT64") return "a decimal integer within int64";
  if (datatype === "UINT64") return "a decimal integer within uint64";
  return SMALL_INTEGER_RANGES[datatype] ? "a decimal integer within " + datatype : null;
}

/** The canonical spelling of one decoded value, or null when it is not a valid `datatype` value. */
export function canonicalValue(text: string, datatype: string): string | null {
  if (datatype === "FP32") return canonicalFloat(text, true);
  if (datatype === "FP64") return canonicalFloat(text, false);
  if (datatype === "INT64") return canonicalInt64(text, false);
  if (datatype === "UINT64") return canonicalInt64(text, true);
  if (datatype === "BOOL") return canonicalBool(text);
  if (datatype === "BYTES") return text;
  if (SMALL_INTEGER_RANGES[datatype]) return canonicalSmallInt(text, datatype);
  return null;
}

/**
 * Maps a raw query string (without '?') to its canonical form for a model with these inputs:
 * parameters sorted by name, values in canonical spelling, unknown parameters dropped.
 * Duplicate, missing or invalid inputs give `{ ok: false, error }` with a message for the client.
 */
export function canonicalizeQuery(rawQuery: string, specs: readonly QueryInputSpec[]): CanonicalQueryResult {
  if (rawQuery.length > MAX_QUERY_LENGTH) {
    return fail("query string is longer than " + MAX_QUERY_LENGTH + " characters; use POST for large inputs");
  }
  var specByName: { [name: string]: QueryInputSpec } = {};
  for (var s = 0; s < specs.length; s++) {
    specByName["$" + specs[s].name] = specs[s];
  }
  var rawByName: { [name: string]: string } = {};
  var pairs = rawQuery.length > 0 ? rawQuery.split("&") : [];
  for (var p = 0; p < pairs.length; p++) {
    if (pairs[p].length === 0) continue;
    var eq = pairs[p].indexOf("=");
    var name = decodePart(eq < 0 ? pairs[p] : pairs[p].substring(0, eq));
    if (name === null) return fail("query parameter name " + JSON.stringify(pairs[p]) + " is not valid percent-encoding");
    if (!specByName["$" + name]) continue;
    if (rawByName["$" + name] !== undefined) return fail("input '" + name + "' is given more than once");
    rawByName["$" + name] = eq < 0 ? "" : pairs[p].substring(eq + 1);
  }

  var inputs: CanonicalInput[] = [];
  for (var i = 0; i < specs.length; i++) {
    var spec = specs[i];
    var raw = rawByName["$" + spec.name];
    if (raw === undefined) return fail("input '" + spec.name + "' is missing from the query string");
    if (!(spec.elements >= 0)) {
      return fail("input '" + spec.name + "' has dynamic dimensions besides the batch, so its shape cannot be inferred from a query; use POST");
    }
    var parts = raw.length === 0 && spec.elements === 0 ? [] : raw.split(",");
    if (parts.length !== spec.elements) {
      return fail("input '" + spec.name + "' needs " + spec.elements + " values for a batch of one, got " + parts.length);
    }
    var values: string[] = [];
    var percentEncoded = raw.indexOf("%") >= 0;
    for (var v = 0; v < parts.length; v++) {
      var decoded = percentEncoded ? decodePart(parts[v]) : parts[v];
      if (decoded === null) return fail("input '" + spec.name + "' value " + (v + 1) + " is not valid percent-encoding");
      var canonical = canonicalValue(decoded, spec.datatype);
      if (canonical === null) {
        var expected = expectation(spec.datatype);
        if (expected === null) return fail("input '" + spec.name + "' has datatype " + spec.datatype + ", which the GET form does not support");
        return fail("input '" + spec.name + "' value " + (v + 1) + " " + JSON.stringify(decoded) + " is not " + expected);
      }
      values.push(canonical);
    }
    inputs.push({ name: spec.name, datatype: spec.datatype, values: values });
  }

  inputs.sort(function (a, b) {
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
  var query: string[] = [];
  for (var k = 0; k < inputs.length; k++) {
    var encoded: string[] = [];
    for (var e = 0; e < inputs[k].values.length; e++) encoded.push(encodeURIComponent(inputs[k].values[e]));
    query.push(encodeURIComponent(inputs[k].name) + "=" + encoded.join(","));
  }
  return { ok: true, query: query.join("&"), inputs: inputs };
}
