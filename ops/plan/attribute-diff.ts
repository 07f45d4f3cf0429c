import { isObject, type Change, type JsonValue } from "./plan-json";

/** One side of an attribute change, already masked: a sensitive value never leaves this module. */
export type Cell =
  | { readonly kind: "absent" }
  | { readonly kind: "value"; readonly value: JsonValue }
  | { readonly kind: "sensitive" }
  | { readonly kind: "unknown" };

/** A step into an object (key), a list (index), or into a JSON document held in a string attribute. */
export type PathStep = string | number | { readonly json: true };

export interface AttributeChange {
  readonly path: readonly PathStep[];
  readonly before: Cell;
  readonly after: Cell;
}

export const ABSENT: Cell = { kind: "absent" };
const SENSITIVE: Cell = { kind: "sensitive" };
const UNKNOWN: Cell = { kind: "unknown" };

/**
 * The attributes that differ between `before` and `after`, leaf by leaf, sorted by path.
 * - A subtree marked sensitive on either side is compared but shown only as "sensitive".
 * - A subtree marked unknown in after_unknown is "known after apply", even when `after` omits it.
 * - null, a missing key and an empty list or map count as the same "absent" value, so a provider
 *   normalizing `[]` to `null` is not reported as a change.
 * - A list of plain values is one attribute; lists of blocks are compared element by element.
 * - Two strings that both hold JSON documents (IAM and bucket policies) are compared as documents.
 */
export function attributeChanges(change: Change): AttributeChange[] {
  const out: AttributeChange[] = [];
  walk(change.before, change.after, change.beforeSensitive, change.afterSensitive, change.afterUnknown, [], out);
  return out;
}

function walk(
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  beforeSensitive: JsonValue | undefined,
  afterSensitive: JsonValue | undefined,
  afterUnknown: JsonValue | undefined,
  path: PathStep[],
  out: AttributeChange[],
): void {
  if (afterUnknown === true) {
    out.push({ path, before: visibleCell(before, beforeSensitive), after: UNKNOWN });
    return;
  }
  if (beforeSensitive === true || afterSensitive === true) {
    if (sameValue(before, after)) return;
    out.push({ path, before: visibleCell(before, beforeSensitive), after: visibleCell(after, afterSensitive) });
    return;
  }
  const sides = [shapeOf(before), shapeOf(after)];
  const shapes = [...sides, shapeOf(afterUnknown)];
  const container = shapes.includes("object") ? "object" : shapes.includes("array") ? "array" : undefined;
  const unmarked = !hasMark(afterUnknown) && !hasMark(beforeSensitive) && !hasMark(afterSensitive);
  if (container === "array" && unmarked && isScalarList(before) && isScalarList(after)) {
    // A list of plain values (methods, aliases, ARNs) reads best whole.
    if (!sameValue(before, after)) out.push({ path, before: cellOf(before), after: cellOf(after) });
    return;
  }
  if (container && sides.every((shape) => shape === container || shape === "absent")) {
    for (const key of childKeys(container, before, after, afterUnknown)) {
      walk(
        child(before, key),
        child(after, key),
        child(beforeSensitive, key),
        child(afterSensitive, key),
        child(afterUnknown, key),
        [...path, key],
        out,
      );
    }
    return;
  }
  if (sameValue(before, after)) return;
  const beforeDocument = jsonDocument(before);
  const afterDocument = jsonDocument(after);
  if (beforeDocument !== undefined && afterDocument !== undefined) {
    walk(beforeDocument, afterDocument, undefined, undefined, undefined, [...path, { json: true }], out);
    return;
  }
  out.push({ path, before: visibleCell(before, beforeSensitive), after: visibleCell(after, afterSensitive) });
}

type Shape = "absent" | "object" | "array" | "scalar";

function shapeOf(value: JsonValue | undefined): Shape {
  if (value === undefined || value === null) return "absent";
  if (Array.isArray(value)) return "array";
  return isObject(value) ? "object" : "scalar";
}

function isScalarList(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null) return true;
  return Array.isArray(value) && value.every((item) => item === null || typeof item !== "object");
}

/** Whether a sensitivity or unknown mask marks anything inside it. */
function hasMark(mask: JsonValue | undefined): boolean {
  if (mask === true) return true;
  if (Array.isArray(mask)) return mask.some(hasMark);
  return isObject(mask) && Object.values(mask).some(hasMark);
}

function childKeys(shape: "object" | "array", ...values: (JsonValue | undefined)[]): (string | number)[] {
  if (shape === "array") {
    const length = Math.max(0, ...values.map((value) => (Array.isArray(value) ? value.length : 0)));
    return Array.from({ length }, (_, index) => index);
  }
  const keys = new Set<string>();
  for (const value of values) if (isObject(value)) for (const key of Object.keys(value)) keys.add(key);
  return [...keys].sort(compareText);
}

function child(value: JsonValue | undefined, key: string | number): JsonValue | undefined {
  if (typeof key === "number") return Array.isArray(value) ? value[key] : undefined;
  return isObject(value) ? value[key] : undefined;
}

function cellOf(value: JsonValue | undefined): Cell {
  return isAbsent(value) ? ABSENT : { kind: "value", value: value as JsonValue };
}

/** A side shown whole: masked entirely, or with the sensitive parts inside it masked. */
function visibleCell(value: JsonValue | undefined, mask: JsonValue | undefined): Cell {
  if (mask === true) return isAbsent(value) ? ABSENT : SENSITIVE;
  return cellOf(maskSensitive(value, mask));
}

function isAbsent(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isObject(value) && Object.keys(value).length === 0;
}

/** A copy of `value` with every subtree the mask marks sensitive replaced by the string "(sensitive)". */
export function maskSensitive(value: JsonValue | undefined, mask: JsonValue | undefined): JsonValue | undefined {
  if (mask === true) return isAbsent(value) ? value : "(sensitive)";
  if (Array.isArray(value) && Array.isArray(mask)) return value.map((item, index) => maskSensitive(item, mask[index]) ?? null);
  if (isObject(value) && isObject(mask)) {
    const masked: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value)) masked[key] = maskSensitive(value[key], mask[key]) ?? null;
    return masked;
  }
  return value;
}

/** Deep equality where null, undefined, [] and {} are all "absent". */
export function sameValue(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (isAbsent(a) && isAbsent(b)) return true;
  if (isAbsent(a) || isAbsent(b)) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => sameValue(item, b[index]));
  }
  if (isObject(a) || isObject(b)) {
    if (!isObject(a) || !isObject(b)) return false;
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!sameValue(a[key], b[key])) return false;
    return true;
  }
  return a === b;
}

/** A string attribute that holds a JSON object or list (a policy document), parsed; else undefined. */
function jsonDocument(value: JsonValue | undefined): JsonValue | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  if (!(trimmed.startsWith("{") || trimmed.startsWith("["))) return undefined;
  try {
    const parsed = JSON.parse(trimmed) as JsonValue;
    return typeof parsed === "object" && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `default_cache_behavior[0].min_ttl`, `tags["aws:cloudformation"]`, `policy » Statement[0].Effect`. */
export function formatPath(path: readonly PathStep[]): string {
  let text = "";
  let atStart = true;
  for (const step of path) {
    if (typeof step === "number") text += `[${step}]`;
    else if (typeof step === "object") text += " » ";
    else if (IDENTIFIER.test(step)) text += atStart ? step : `.${step}`;
    else text += `[${JSON.stringify(step)}]`;
    atStart = typeof step === "object";
  }
  text = text.trimEnd();
  return text === "" ? "(whole value)" : text;
}

/** The first path step: the top-level attribute a change touches. */
export function topAttribute(path: readonly PathStep[]): string | undefined {
  return typeof path[0] === "string" ? path[0] : undefined;
}

/** Code-unit order: the same on every machine and locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
