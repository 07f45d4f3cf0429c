import { kindOf } from "./actions";
import { attributeChanges, compareText, formatPath, type Cell } from "./attribute-diff";
import { code, plain, shorten, SENSITIVE_TEXT, table, tableCell, UNKNOWN_TEXT } from "./markdown";
import type { JsonValue, PlanJson, ResourceChange } from "./plan-json";

/**
 * drift-report.json, schema version 1. Keys and meanings never change within a version; a new
 * field may be added. Arrays are sorted (stacks by name, resources by address, attributes by path).
 */
export const DRIFT_REPORT_VERSION = 1;

export type StackStatus = "drift" | "no-drift" | "error";

export interface DriftAttribute {
  /** e.g. `tags.owner`, `default_cache_behavior[0].min_ttl`, `policy » Statement[0].Action`. */
  readonly path: string;
  /** The JSON value, or "(sensitive)" / "(known after apply)"; null when absent. */
  readonly before: JsonValue;
  readonly after: JsonValue;
}

export interface DriftResource {
  readonly address: string;
  readonly type: string;
  /** Terraform's actions: ["update"] changed, ["delete"] deleted outside Terraform, ... */
  readonly actions: readonly string[];
  readonly previous_address?: string;
  /** Empty for deletes: every attribute went. */
  readonly attributes: readonly DriftAttribute[];
}

export interface StackDrift {
  readonly stack: string;
  readonly status: StackStatus;
  /** Exit code of `terraform plan -refresh-only -detailed-exitcode`, when it ran. */
  readonly terraform_exit_code?: number;
  /** Why the stack could not be checked (status "error"). */
  readonly error?: string;
  /** Real objects that changed outside Terraform (resource_drift). */
  readonly drift: readonly DriftResource[];
  /** Configuration changes not yet applied (resource_changes); a refresh-only plan usually has none. */
  readonly pending: readonly DriftResource[];
  /** Addresses that only moved (moved blocks): not drift. */
  readonly moved: readonly { readonly address: string; readonly previous_address: string }[];
}

export interface DriftReport {
  readonly version: typeof DRIFT_REPORT_VERSION;
  /** "error" if any stack errored, else "drift" if any drifted, else "no-drift". */
  readonly status: StackStatus;
  readonly stacks: readonly StackDrift[];
}

/**
 * Splits a (refresh-only) plan into drift and pending changes. An entry whose every attribute
 * compares equal (after null/[]/{} normalization) is not drift: reporting it would be a false alarm.
 */
export function readDrift(stack: string, plan: PlanJson, terraformExitCode?: number): StackDrift {
  const moved: { address: string; previous_address: string }[] = [];
  const drift: DriftResource[] = [];
  const pending: DriftResource[] = [];
  const collect = (resources: readonly ResourceChange[], into: DriftResource[]): void => {
    for (const resource of resources) {
      const kind = kindOf(resource);
      if (kind === "move" && resource.previousAddress) {
        moved.push({ address: resource.address, previous_address: resource.previousAddress });
        continue;
      }
      if (kind === "no-op" || kind === "read" || resource.mode === "data") continue;
      const entry = toDriftResource(resource);
      if (kind === "update" && entry.attributes.length === 0) continue;
      into.push(entry);
    }
  };
  collect(plan.resourceDrift, drift);
  collect(plan.resourceChanges, pending);
  const byAddress = (a: { address: string }, b: { address: string }): number => compareText(a.address, b.address);
  const movedUnique = [...new Map(moved.map((entry) => [`${entry.address}\u0000${entry.previous_address}`, entry])).values()];
  return {
    stack,
    status: drift.length > 0 ? "drift" : "no-drift",
    ...(terraformExitCode === undefined ? {} : { terraform_exit_code: terraformExitCode }),
    drift: drift.sort(byAddress),
    pending: pending.sort(byAddress),
    moved: movedUnique.sort(byAddress),
  };
}

export function stackError(stack: string, error: string, terraformExitCode?: number): StackDrift {
  return {
    stack,
    status: "error",
    ...(terraformExitCode === undefined ? {} : { terraform_exit_code: terraformExitCode }),
    error,
    drift: [],
    pending: [],
    moved: [],
  };
}

function toDriftResource(resource: ResourceChange): DriftResource {
  const kind = kindOf(resource);
  const attributes =
    kind === "delete" || kind === "forget"
      ? []
      : attributeChanges(resource.change).map((change) => ({
          path: formatPath(change.path),
          before: jsonCell(change.before),
          after: jsonCell(change.after),
        }));
  return {
    address: resource.address,
    type: resource.type,
    actions: [...resource.change.actions],
    ...(resource.previousAddress ? { previous_address: resource.previousAddress } : {}),
    attributes,
  };
}

function jsonCell(cell: Cell): JsonValue {
  switch (cell.kind) {
    case "absent":
      return null;
    case "sensitive":
      return SENSITIVE_TEXT;
    case "unknown":
      return UNKNOWN_TEXT;
    case "value":
      return cell.value;
  }
}

export function driftReport(stacks: readonly StackDrift[]): DriftReport {
  const sorted = [...stacks].sort((a, b) => compareText(a.stack, b.stack));
  const status: StackStatus = sorted.some((stack) => stack.status === "error")
    ? "error"
    : sorted.some((stack) => stack.status === "drift")
    ? "drift"
    : "no-drift";
  return { version: DRIFT_REPORT_VERSION, status, stacks: sorted };
}

/** 0 no drift, 2 drift, 1 error; an error wins over drift, so a broken check never reads as "fine". */
export function driftExitCode(report: DriftReport): number {
  return report.status === "error" ? 1 : report.status === "drift" ? 2 : 0;
}

/** One line per stack for the job log. */
export function summaryLine(stack: StackDrift): string {
  if (stack.status === "error") return `${stack.stack}: error: ${stack.error ?? "unknown error"}`;
  const pending = stack.pending.length > 0 ? `; ${count(stack.pending.length, "pending change")} not yet applied` : "";
  if (stack.status === "no-drift") return `${stack.stack}: no drift${pending}`;
  const addresses = stack.drift.map((resource) => resource.address);
  const listed = addresses.length > 5 ? `${addresses.slice(0, 5).join(", ")}, ...` : addresses.join(", ");
  return `${stack.stack}: drift: ${count(stack.drift.length, "resource")} changed outside Terraform (${listed})${pending}`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** drift-report.md: a summary table, then per stack the drifted attributes and pending changes. */
export function renderDriftMarkdown(report: DriftReport): string {
  const title = { drift: "Drift detected", "no-drift": "No drift", error: "Drift check failed" }[report.status];
  const parts: string[] = [
    `## ${title}`,
    table(
      ["stack", "status", "drifted", "pending"],
      report.stacks.map((stack) => [code(stack.stack), stack.status, String(stack.drift.length), String(stack.pending.length)]),
    ),
  ];
  for (const stack of report.stacks) {
    const section: string[] = [`### ${plain(stack.stack)}`, "", plain(summaryLine(stack))];
    if (stack.drift.length > 0) section.push("", "**Changed outside Terraform**", "", ...stack.drift.map(renderResource));
    if (stack.pending.length > 0) section.push("", "**Pending configuration changes** (not drift)", "", ...stack.pending.map(renderResource));
    if (stack.moved.length > 0) {
      section.push("", `Moved (not drift): ${stack.moved.map((entry) => `${code(entry.previous_address)} -> ${code(entry.address)}`).join(", ")}`);
    }
    parts.push(section.join("\n"));
  }
  return `${parts.join("\n\n")}\n`;
}

function renderResource(resource: DriftResource): string {
  const head = `- ${code(resource.address)} (${resource.actions.join(", ")})${
    resource.previous_address ? `, was ${code(resource.previous_address)}` : ""
  }`;
  if (resource.attributes.length === 0) return resource.actions.includes("delete") ? `${head}: deleted` : head;
  const rows = resource.attributes.map((attribute) => [code(attribute.path), valueCell(attribute.before), valueCell(attribute.after)]);
  const indented = table(["attribute", "before", "after"], rows)
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
  return `${head}\n\n${indented}\n`;
}

function valueCell(value: JsonValue): string {
  if (value === SENSITIVE_TEXT || value === UNKNOWN_TEXT) return value;
  if (value === null) return tableCell({ kind: "absent" }).markdown;
  return code(shorten(JSON.stringify(value)).text);
}
