import { ProblemsError } from "../../src/problems";

/** Any value `terraform show -json` can hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** before/after of one object, with Terraform's sensitivity and unknown-value masks beside them. */
export interface Change {
  readonly actions: readonly string[];
  /** undefined when the object does not exist on that side (create / delete). */
  readonly before: JsonValue | undefined;
  readonly after: JsonValue | undefined;
  /** `true` where a value is known only after apply; objects/arrays mirror `after`. */
  readonly afterUnknown: JsonValue | undefined;
  /** `true` where a value is sensitive; objects/arrays mirror `before` / `after`. */
  readonly beforeSensitive: JsonValue | undefined;
  readonly afterSensitive: JsonValue | undefined;
  /** Paths into the object that force a replacement. */
  readonly replacePaths: readonly (readonly (string | number)[])[];
  /** Present when the change also imports an existing object. */
  readonly importingId?: string;
}

export interface ResourceChange {
  readonly address: string;
  /** Set when a `moved` block (or a count/for_each change) gave the object a new address. */
  readonly previousAddress?: string;
  readonly mode: string;
  readonly type: string;
  readonly name: string;
  readonly providerName?: string;
  /** Set for a deposed object left behind by a failed create_before_destroy. */
  readonly deposed?: string;
  readonly actionReason?: string;
  readonly change: Change;
}

export interface OutputChange {
  readonly name: string;
  readonly change: Change;
}

/** The parts of a `terraform show -json <planfile>` document that review and drift use. */
export interface PlanJson {
  readonly formatVersion: string;
  readonly terraformVersion?: string;
  readonly resourceChanges: readonly ResourceChange[];
  /** Changes Terraform found outside itself when it refreshed (reality vs. state). */
  readonly resourceDrift: readonly ResourceChange[];
  readonly outputChanges: readonly OutputChange[];
  /** The plan stopped on an error and cannot be applied. */
  readonly errored: boolean;
}

/**
 * Format versions this reader understands: every 1.x (minor versions only add fields, per
 * Terraform's and OpenTofu's JSON format promise), and the two pre-1.0 versions (0.1 from
 * Terraform 0.12-0.15, 0.2 from 1.0) that have the same structure minus later additions.
 */
export function isSupportedFormatVersion(version: string): boolean {
  return /^1\.\d+$/.test(version) || version === "0.1" || version === "0.2";
}

/** JSON.parse ran out of input: the document was cut short, not garbled. */
function seemsTruncated(reason: string, text: string): boolean {
  if (/Unexpected end of JSON input|Unterminated string|end of data/i.test(reason)) return true;
  const position = /at position (\d+)/.exec(reason);
  return position !== null && Number(position[1]) >= text.trimEnd().length;
}

/**
 * Reads the JSON of a plan, refusing anything that is not one: corrupt or truncated JSON, a state
 * file, a TFC redacted plan, an unknown format_version. `source` names the file in every message.
 */
export function parsePlanJson(text: string, source: string): PlanJson {
  if (text.trim() === "") throw new ProblemsError([`${source}: empty; expected the output of \`terraform show -json <planfile>\``]);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const what = seemsTruncated(reason, text) ? "truncated JSON" : "corrupt JSON";
    throw new ProblemsError([`${source}: ${what} (${reason}); re-run \`terraform show -json <planfile>\``]);
  }
  if (!isObject(document)) throw new ProblemsError([`${source}: not a plan: expected a JSON object, got ${describe(document)}`]);
  if ("plan_format_version" in document) {
    throw new ProblemsError([`${source}: a Terraform Cloud redacted plan (plan_format_version), not \`terraform show -json\` output`]);
  }
  const formatVersion = document.format_version;
  if (typeof formatVersion !== "string") {
    throw new ProblemsError([`${source}: not a plan: no format_version string; expected the output of \`terraform show -json <planfile>\``]);
  }
  if (!isSupportedFormatVersion(formatVersion)) {
    throw new ProblemsError([
      `${source}: unsupported plan format_version "${formatVersion}"; this reader understands 1.x (and legacy 0.1, 0.2): use Terraform or OpenTofu 1.x`,
    ]);
  }
  const isPlan = ["resource_changes", "resource_drift", "output_changes", "planned_values", "errored"].some((key) => key in document);
  if (!isPlan) {
    const hint =
      "values" in document
        ? "this is state JSON; run `terraform show -json <planfile>` on a plan file"
        : "no resource_changes, output_changes or planned_values";
    throw new ProblemsError([`${source}: not a plan: ${hint}`]);
  }

  const problems: string[] = [];
  const resourceChanges = readResourceChanges(document.resource_changes, "resource_changes", source, problems);
  const resourceDrift = readResourceChanges(document.resource_drift, "resource_drift", source, problems);
  const outputChanges = readOutputChanges(document.output_changes, source, problems);
  if (problems.length > 0) throw new ProblemsError(problems);
  return {
    formatVersion,
    terraformVersion: typeof document.terraform_version === "string" ? document.terraform_version : undefined,
    resourceChanges,
    resourceDrift,
    outputChanges,
    errored: document.errored === true,
  };
}

function readResourceChanges(value: unknown, field: string, source: string, problems: string[]): ResourceChange[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push(`${source}: ${field} must be an array, got ${describe(value)}`);
    return [];
  }
  const changes: ResourceChange[] = [];
  value.forEach((entry: unknown, index) => {
    const where = `${source}: ${field}[${index}]`;
    if (!isObject(entry)) {
      problems.push(`${where} must be an object, got ${describe(entry)}`);
      return;
    }
    const address = entry.address;
    if (typeof address !== "string" || address === "") {
      problems.push(`${where}.address must be a non-empty string`);
      return;
    }
    const change = readChange(entry.change, `${source}: ${field}[${index}] (${address}).change`, problems);
    if (!change) return;
    changes.push({
      address,
      previousAddress: optionalString(entry.previous_address),
      mode: optionalString(entry.mode) ?? "managed",
      type: optionalString(entry.type) ?? typeFromAddress(address),
      name: optionalString(entry.name) ?? "",
      providerName: optionalString(entry.provider_name),
      deposed: optionalString(entry.deposed),
      actionReason: optionalString(entry.action_reason),
      change,
    });
  });
  return changes;
}

function readOutputChanges(value: unknown, source: string, problems: string[]): OutputChange[] {
  if (value === undefined || value === null) return [];
  if (!isObject(value)) {
    problems.push(`${source}: output_changes must be an object, got ${describe(value)}`);
    return [];
  }
  const outputs: OutputChange[] = [];
  for (const name of Object.keys(value).sort()) {
    const change = readChange(value[name], `${source}: output_changes.${name}`, problems);
    if (change) outputs.push({ name, change });
  }
  return outputs;
}

function readChange(value: unknown, where: string, problems: string[]): Change | undefined {
  if (!isObject(value)) {
    problems.push(`${where} must be an object, got ${describe(value)}`);
    return undefined;
  }
  const actions = value.actions;
  if (!Array.isArray(actions) || actions.length === 0 || !actions.every((action) => typeof action === "string")) {
    problems.push(`${where}.actions must be a non-empty array of strings`);
    return undefined;
  }
  const replacePaths = Array.isArray(value.replace_paths)
    ? value.replace_paths.filter(
        (path): path is (string | number)[] => Array.isArray(path) && path.every((step) => typeof step === "string" || typeof step === "number"),
      )
    : [];
  const importing = isObject(value.importing) ? value.importing : undefined;
  return {
    actions: actions as string[],
    before: nullToUndefined(value.before as JsonValue | undefined),
    after: nullToUndefined(value.after as JsonValue | undefined),
    afterUnknown: value.after_unknown as JsonValue | undefined,
    beforeSensitive: value.before_sensitive as JsonValue | undefined,
    afterSensitive: value.after_sensitive as JsonValue | undefined,
    replacePaths,
    importingId: importing ? optionalString(importing.id) ?? "(unknown id)" : undefined,
  };
}

/** `aws_s3_bucket.x`, `module.m.aws_s3_bucket.x[0]`, `data.aws_iam_policy_document.p` -> the type. */
function typeFromAddress(address: string): string {
  const parts = address.replace(/\[[^\]]*\]/g, "").split(".");
  let index = 0;
  while (parts[index] === "module") index += 2;
  if (parts[index] === "data") index += 1;
  return parts[index] ?? "";
}

function nullToUndefined(value: JsonValue | undefined): JsonValue | undefined {
  return value === null ? undefined : value;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
