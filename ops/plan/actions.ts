import type { ResourceChange } from "./plan-json";

/** What a reviewer calls a change; Terraform spells replace as two actions and a move as a no-op with a previous address. */
export type ActionKind = "create" | "update" | "delete" | "replace" | "read" | "no-op" | "forget" | "move";

/** The order counts and tables use: destructive first after create, then the quiet ones. */
export const ACTION_ORDER: readonly ActionKind[] = ["create", "update", "replace", "delete", "forget", "read", "move", "no-op"];

/**
 * Classifies an `actions` list. Unknown future actions fall back to the closest safe reading:
 * anything containing "delete" is destructive.
 */
export function actionKind(actions: readonly string[], previousAddress?: string): ActionKind {
  const has = (action: string): boolean => actions.includes(action);
  if (has("create") && (has("delete") || has("forget"))) return "replace";
  if (has("delete")) return "delete";
  if (has("forget")) return "forget";
  if (has("create")) return "create";
  if (has("update")) return "update";
  if (has("read")) return "read";
  return previousAddress ? "move" : "no-op";
}

export function kindOf(resource: ResourceChange): ActionKind {
  return actionKind(resource.change.actions, resource.previousAddress);
}

/** Human words for Terraform's action_reason values (see Terraform's internal/command/jsonplan). */
const REASONS: Record<string, string> = {
  replace_because_cannot_update: "cannot be updated in place",
  replace_because_tainted: "tainted",
  replace_by_request: "replacement requested (-replace)",
  replace_by_triggers: "replace_triggered_by",
  delete_because_no_resource_config: "removed from the configuration",
  delete_because_wrong_repetition: "count/for_each changed",
  delete_because_count_index: "count index out of range",
  delete_because_each_key: "for_each key removed",
  delete_because_no_module: "module removed",
  delete_because_no_move_target: "moved target does not exist",
  read_because_config_unknown: "configuration known only after apply",
  read_because_dependency_pending: "a dependency has pending changes",
  read_because_check_nested: "read by a check block",
};

export function describeReason(actionReason: string | undefined): string | undefined {
  if (!actionReason) return undefined;
  return REASONS[actionReason] ?? actionReason;
}
