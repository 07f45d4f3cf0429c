import { ACTION_ORDER, actionKind, describeReason, kindOf, type ActionKind } from "./actions";
import { attributeChanges, compareText, formatPath, type AttributeChange } from "./attribute-diff";
import { code, html, MAX_VALUE_CHARS, plain, table, tableCell } from "./markdown";
import type { OutputChange, PlanJson, ResourceChange } from "./plan-json";
import { assessRisks, RISK_CATEGORIES, RISK_TITLES, type Risk } from "./risks";

/** GitHub rejects comment bodies over 65536 characters; keep room for a marker and a heading. */
export const GITHUB_COMMENT_LIMIT = 65536;
export const DEFAULT_REVIEW_BUDGET = 60000;

export interface ReviewOptions {
  /** Shown in the heading and used to recognize the state bucket. */
  readonly stack?: string;
  /** Upper bound on the Markdown's length in characters. */
  readonly maxChars?: number;
  /** Markdown lines for the footer, e.g. the hashes that tie the review to its plan file. */
  readonly footer?: readonly string[];
}

export type ActionCounts = Record<ActionKind, number>;

/** The counts a reviewer sees first, for every resource change (data-source reads included). */
export function countActions(plan: PlanJson): ActionCounts {
  const counts = Object.fromEntries(ACTION_ORDER.map((kind) => [kind, 0])) as ActionCounts;
  for (const resource of plan.resourceChanges) counts[kindOf(resource)] += 1;
  return counts;
}

/** "2 to create, 1 to replace, 12 unchanged" */
export function summarizeCounts(counts: ActionCounts): string {
  const phrases: Record<ActionKind, string> = {
    create: "to create",
    update: "to update",
    replace: "to replace",
    delete: "to delete",
    forget: "to forget",
    read: "to read",
    move: "moved",
    "no-op": "unchanged",
  };
  const parts = ACTION_ORDER.filter((kind) => counts[kind] > 0).map((kind) => `${counts[kind]} ${phrases[kind]}`);
  return parts.length === 0 ? "no resource changes" : parts.join(", ");
}

/**
 * Renders a plan as a pull-request review: heading, counts, risks, a table of changes, the changed
 * attributes per resource, then output changes. Pure and deterministic: the same plan gives the
 * same bytes whatever order Terraform listed the resources in. When the full review would exceed
 * `maxChars`, attribute details are dropped (those of risky resources last) and then table rows,
 * each time with a note saying what was left out.
 */
export function renderReview(plan: PlanJson, options: ReviewOptions = {}): string {
  const maxChars = options.maxChars ?? DEFAULT_REVIEW_BUDGET;
  const resources = [...plan.resourceChanges].sort((a, b) => compareText(a.address, b.address) || compareText(a.deposed ?? "", b.deposed ?? ""));
  const listed = resources.filter((resource) => kindOf(resource) !== "no-op");
  const risks = assessRisks(resources, { stack: options.stack });
  const details = listed.map((resource) => renderDetails(resource));

  const head = renderHead(plan, options.stack, countActions(plan));
  const riskSection = renderRisks(risks);
  const outputs = renderOutputs(plan.outputChanges);
  const footer = options.footer && options.footer.length > 0 ? `\n---\n\n${options.footer.map((line) => `${line}  `).join("\n")}\n` : "";
  const shortenedNote = details.some((detail) => detail.shortened)
    ? `\n_Values longer than ${MAX_VALUE_CHARS} characters are shortened; plan.json has them whole._\n`
    : "";

  // When details must be dropped, those of resources with flagged risks are kept longest.
  const risky = new Set(risks.map((risk) => risk.address));
  const keepOrder = listed
    .map((_, index) => index)
    .sort((a, b) => Number(!risky.has(listed[a]!.address)) - Number(!risky.has(listed[b]!.address)) || a - b);

  const compose = (rows: number, detailCount: number): string => {
    const parts = [head, riskSection, renderChangeTable(listed, rows)];
    const kept = new Set(keepOrder.filter((index) => index < rows).slice(0, detailCount));
    const shown = details.filter((detail, index) => kept.has(index) && detail.markdown !== "").map((detail) => detail.markdown);
    if (shown.length > 0) parts.push(`### Changed attributes\n\n${shown.join("\n")}`);
    const withDetails = details.filter((detail) => detail.markdown !== "").length;
    const omitted = withDetails - shown.length;
    if (omitted > 0) {
      parts.push(`_Attribute details of ${omitted} resource${omitted === 1 ? "" : "s"} left out to fit a pull-request comment; plan.json has them._`);
    }
    if (outputs !== "") parts.push(outputs);
    return `${parts.join("\n\n")}\n${shortenedNote}${footer}`;
  };

  let text = compose(listed.length, listed.length);
  let detailCount = listed.length;
  while (text.length > maxChars && detailCount > 0) {
    detailCount = Math.floor(detailCount / 2);
    text = compose(listed.length, detailCount);
  }
  let rows = listed.length;
  while (text.length > maxChars && rows > 0) {
    rows = Math.floor(rows / 2);
    text = compose(rows, 0);
  }
  if (text.length > maxChars)
    text = `${text.slice(0, Math.max(0, maxChars - 80))}\n\n_Review cut at ${maxChars} characters; plan.json has the whole plan._\n`;
  return text;
}

function renderHead(plan: PlanJson, stack: string | undefined, counts: ActionCounts): string {
  const title = stack ? `## Plan review: ${plain(stack)}` : "## Plan review";
  const shownKinds = ACTION_ORDER.filter((kind) => ["create", "update", "replace", "delete", "read", "no-op"].includes(kind) || counts[kind] > 0);
  const lines = [title, "", `**${summarizeCounts(counts)}**`, "", table(shownKinds, [shownKinds.map((kind) => String(counts[kind]))])];
  if (plan.errored) lines.push("", "> **This plan errored and cannot be applied.** Fix the errors Terraform printed and plan again.");
  return lines.join("\n");
}

/** More than this many risks are counted, not listed: the comment must stay readable and within GitHub's limit. */
const MAX_LISTED_RISKS = 100;

function renderRisks(risks: readonly Risk[]): string {
  if (risks.length === 0) return "### Risks\n\nNone flagged.";
  const lines = [`### Risks (${risks.length})`];
  const listed = risks.slice(0, MAX_LISTED_RISKS);
  for (const category of RISK_CATEGORIES) {
    const inCategory = listed.filter((risk) => risk.category === category);
    if (inCategory.length === 0) continue;
    lines.push("", `**${RISK_TITLES[category]}**`, "");
    for (const risk of inCategory) lines.push(`- ${code(risk.address)} (${risk.action}): ${plain(risk.message)}`);
  }
  if (risks.length > listed.length) lines.push("", `_${risks.length - listed.length} more risks not listed; plan.json has every change._`);
  return lines.join("\n");
}

function renderChangeTable(listed: readonly ResourceChange[], rows: number): string {
  if (listed.length === 0) return "### Changes\n\nNo resource changes.";
  const body = listed.slice(0, rows).map((resource) => [code(resource.address), kindOf(resource), reasonOf(resource)]);
  const parts = [`### Changes`, "", table(["address", "action", "why"], body)];
  if (rows < listed.length)
    parts.push("", `_${listed.length - rows} more resource changes left out to fit a pull-request comment; plan.json has them._`);
  return parts.join("\n");
}

/** Why Terraform chose the action (Markdown): action_reason, forcing attributes, moves, imports, deposed objects. */
function reasonOf(resource: ResourceChange): string {
  const reasons: string[] = [];
  const reason = describeReason(resource.actionReason);
  if (reason) reasons.push(plain(reason));
  const forcing = [...new Set(resource.change.replacePaths.map((path) => formatPath(path)))].sort(compareText);
  if (forcing.length > 0) reasons.push(`forced by ${forcing.map(code).join(", ")}`);
  if (resource.previousAddress) reasons.push(`moved from ${code(resource.previousAddress)}`);
  if (resource.change.importingId) reasons.push(`import of ${code(resource.change.importingId)}`);
  if (resource.deposed) reasons.push(`deposed object ${code(resource.deposed)}`);
  return reasons.join("; ");
}

/** The attribute table of one resource; empty for deletes, reads and moves, where attributes tell nothing new. */
function renderDetails(resource: ResourceChange): { markdown: string; shortened: boolean } {
  const kind = kindOf(resource);
  if (kind !== "create" && kind !== "update" && kind !== "replace") return { markdown: "", shortened: false };
  const changes = attributeChanges(resource.change);
  if (changes.length === 0) return { markdown: "", shortened: false };
  let shortened = false;
  const cell = (side: AttributeChange["before"]): string => {
    const rendered = tableCell(side);
    shortened ||= rendered.shortened;
    return rendered.markdown;
  };
  const rows =
    kind === "create"
      ? changes.map((change) => [code(formatPath(change.path)), cell(change.after)])
      : changes.map((change) => [code(formatPath(change.path)), cell(change.before), cell(change.after)]);
  const header = kind === "create" ? ["attribute", "value"] : ["attribute", "before", "after"];
  const summary = `<code>${html(resource.address)}</code> (${kind}, ${changes.length} attribute${changes.length === 1 ? "" : "s"})`;
  return { markdown: `<details><summary>${summary}</summary>\n\n${table(header, rows)}\n\n</details>\n`, shortened };
}

function renderOutputs(outputs: readonly OutputChange[]): string {
  const changed = outputs.filter((output) => !(output.change.actions.length === 1 && output.change.actions[0] === "no-op"));
  if (changed.length === 0) return "";
  const rows: string[][] = [];
  for (const output of changed) {
    const kind = actionKind(output.change.actions);
    const changes = attributeChanges(output.change);
    if (changes.length === 0) {
      rows.push([code(output.name), kind, "", ""]);
      continue;
    }
    for (const change of changes) {
      const path =
        change.path.length === 0 ? output.name : `${output.name}${formatPath(change.path).startsWith("[") ? "" : "."}${formatPath(change.path)}`;
      rows.push([code(path), kind, tableCell(change.before).markdown, tableCell(change.after).markdown]);
    }
  }
  return `### Outputs\n\n${table(["output", "action", "before", "after"], rows)}`;
}

/**
 * Joins several stacks' reviews into one comment body within `maxChars`, giving each stack an equal
 * share when the whole would not fit.
 */
export function combineReviews(
  reviews: readonly { stack: string; plan: PlanJson; footer?: readonly string[] }[],
  maxChars = DEFAULT_REVIEW_BUDGET,
): string {
  const render = (budget: number): string =>
    reviews.map((review) => renderReview(review.plan, { stack: review.stack, footer: review.footer, maxChars: budget })).join("\n");
  const whole = render(maxChars);
  if (whole.length <= maxChars || reviews.length === 0) return whole;
  return render(Math.floor(maxChars / reviews.length) - 2);
}
