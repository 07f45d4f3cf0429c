import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parsePlanJson, type PlanJson } from "../../ops/plan/plan-json";
import { SHARED_FIXTURES } from "../shared-fixtures";

/** Real `terraform show -json` / `tofu show -json` plans (see shared/fixtures/plans/README.md). */
export const PLANS = join(SHARED_FIXTURES, "plans");

export function planPath(name: string): string {
  return join(PLANS, name);
}

export function planText(name: string): string {
  return readFileSync(planPath(name), "utf8");
}

/** The raw JSON document, for tests that derive a variant from a real plan. */
export function planDocument(name: string): Record<string, any> {
  return JSON.parse(planText(name));
}

export function loadPlan(name: string): PlanJson {
  return parsePlanJson(planText(name), name);
}

/** A plan document around the given resource changes, in the format Terraform >= 1.11 writes. */
export function planWith(resourceChanges: unknown[], extra: Record<string, unknown> = {}): PlanJson {
  return parsePlanJson(
    JSON.stringify({ format_version: "1.2", terraform_version: "1.11.4", resource_changes: resourceChanges, ...extra }),
    "derived plan",
  );
}

/** A deep copy of one resource change of a real plan, to mutate into a variant. */
export function resourceFrom(name: string, address: string): Record<string, any> {
  const found = (planDocument(name).resource_changes as Record<string, any>[]).find((resource) => resource.address === address);
  if (!found) throw new Error(`${name}: no resource ${address}`);
  return structuredClone(found);
}

/** Turns a real create into an update from `before` (a variant of the created object) to its after. */
export function asUpdate(resource: Record<string, any>, mutateBefore: (before: Record<string, any>) => void): Record<string, any> {
  const before = structuredClone(resource.change.after);
  mutateBefore(before);
  return { ...resource, change: { ...resource.change, actions: ["update"], before, before_sensitive: {}, after_unknown: {} } };
}
