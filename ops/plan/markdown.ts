import type { Cell } from "./attribute-diff";

/** Values longer than this are shortened in reviews and reports; plan.json keeps them whole. */
export const MAX_VALUE_CHARS = 200;

export const SENSITIVE_TEXT = "(sensitive)";
export const UNKNOWN_TEXT = "(known after apply)";
export const ABSENT_TEXT = "(none)";

/** A single-line rendering of a value: JSON for everything, so strings keep their quotes and "1" differs from 1. */
export function cellText(cell: Cell, maxChars = MAX_VALUE_CHARS): { text: string; shortened: boolean } {
  switch (cell.kind) {
    case "absent":
      return { text: ABSENT_TEXT, shortened: false };
    case "sensitive":
      return { text: SENSITIVE_TEXT, shortened: false };
    case "unknown":
      return { text: UNKNOWN_TEXT, shortened: false };
    case "value":
      return shorten(JSON.stringify(cell.value), maxChars);
  }
}

export function shorten(text: string, maxChars = MAX_VALUE_CHARS): { text: string; shortened: boolean } {
  const chars = Array.from(text);
  if (chars.length <= maxChars) return { text, shortened: false };
  return { text: `${chars.slice(0, maxChars).join("")}… (+${chars.length - maxChars} chars)`, shortened: true };
}

/**
 * Inline code safe inside a GitHub table cell: a fence longer than any backtick run in the text,
 * and `|` escaped (GFM splits cells on it even inside code spans).
 */
export function code(text: string): string {
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longestRun + 1);
  const padded = text.startsWith("`") || text.endsWith("`") ? ` ${text} ` : text;
  return `${fence}${padded.replace(/\|/g, "\\|")}${fence}`;
}

/** A cell rendered for a table: placeholders as plain text, values as code. */
export function tableCell(cell: Cell): { markdown: string; shortened: boolean } {
  const { text, shortened } = cellText(cell);
  return { markdown: cell.kind === "value" ? code(text) : text, shortened };
}

/** Escapes text for HTML contexts such as `<summary>`. */
export function html(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * Escapes plain text in Markdown prose and table cells. An underscore between two letters or digits
 * (aws_s3_bucket) cannot start emphasis in GitHub Markdown, so it stays as it is, readable in raw form.
 */
export function plain(text: string): string {
  return text
    .replace(/[\\`*[\]<>|]/g, (char) => `\\${char}`)
    .replace(/_/g, (underscore, offset: number, whole: string) =>
      /[A-Za-z0-9]/.test(whole[offset - 1] ?? "") && /[A-Za-z0-9]/.test(whole[offset + 1] ?? "") ? underscore : "\\_",
    )
    .replace(/\r?\n/g, " ");
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`];
  for (const row of rows) lines.push(`| ${row.join(" | ")} |`);
  return lines.join("\n");
}
