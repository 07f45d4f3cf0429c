import type { z } from "zod";
import { ProblemsError } from "../problems";

/** A mistake in config/<env>.json or a model folder. */
export class ConfigError extends ProblemsError {}

/** One zod issue as `file: field: message`. */
export function describeIssue(file: string, issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? issue.path.map(String).join(".") : "(root)";
  return `${file}: ${field}: ${issue.message}`;
}
