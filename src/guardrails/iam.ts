import { blocks, strings, type Config, type ResolvedElement, type StackModel } from "./stack-model";
import { RULES, type Violation } from "./violation";

/** Arguments that hold an IAM policy document as JSON text, on any resource type. */
const POLICY_ARGUMENTS = ["policy", "assume_role_policy", "policy_document"] as const;

/** A statement of a JSON policy, or of a `data "aws_iam_policy_document"` in the same shape. */
export interface PolicyStatementView {
  readonly label: string;
  readonly effect: string;
  readonly actions: string[];
  /** Principal, normalised: "*" or a map of principal type to identifiers. */
  readonly principals: "*" | Record<string, string[]> | undefined;
  readonly hasCondition: boolean;
}

/** The statements of a JSON policy document; empty when the text is not a literal JSON policy (e.g. a reference). */
export function jsonPolicyStatements(text: unknown): PolicyStatementView[] {
  if (typeof text !== "string" || !text.trimStart().startsWith("{")) return [];
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return [];
  }
  const statement = (document as { Statement?: unknown }).Statement;
  const list = Array.isArray(statement) ? statement : statement === undefined ? [] : [statement];
  return list
    .filter((entry): entry is Config => typeof entry === "object" && entry !== null)
    .map((entry, index) => {
      const principal = entry.Principal;
      let principals: PolicyStatementView["principals"];
      if (principal === "*") principals = "*";
      else if (typeof principal === "object" && principal !== null) {
        principals = Object.fromEntries(Object.entries(principal).map(([type, ids]) => [type, strings(ids)]));
      }
      return {
        label: typeof entry.Sid === "string" && entry.Sid !== "" ? `statement "${entry.Sid}"` : `statement ${index}`,
        effect: String(entry.Effect),
        actions: strings(entry.Action),
        principals,
        hasCondition: typeof entry.Condition === "object" && entry.Condition !== null && Object.keys(entry.Condition).length > 0,
      };
    });
}

/** The statements of a `data "aws_iam_policy_document"`, in the same view as a JSON policy. */
export function policyDocumentStatements(document: ResolvedElement): PolicyStatementView[] {
  return blocks(document.config.statement).map((statement, index) => {
    const principals: Record<string, string[]> = {};
    for (const principal of blocks(statement.principals)) {
      const type = String(principal.type);
      principals[type] = [...(principals[type] ?? []), ...strings(principal.identifiers)];
    }
    return {
      label: typeof statement.sid === "string" && statement.sid !== "" ? `statement "${statement.sid}"` : `statement ${index}`,
      effect: statement.effect === undefined ? "Allow" : String(statement.effect),
      actions: strings(statement.actions),
      principals: Object.keys(principals).length > 0 ? principals : undefined,
      hasCondition: blocks(statement.condition).length > 0,
    };
  });
}

function isWildcardAction(action: string): boolean {
  return action === "*" || /^[A-Za-z0-9-]+:\*$/.test(action);
}

function wildcardViolations(path: string, where: string, statements: readonly PolicyStatementView[]): Violation[] {
  return statements.flatMap((statement) => {
    const wildcards = statement.effect === "Allow" ? statement.actions.filter(isWildcardAction) : [];
    if (wildcards.length === 0) return [];
    return [
      {
        path,
        rule: RULES.iamWildcardActions,
        message: `${where} ${statement.label} allows ${wildcards.map((action) => `"${action}"`).join(", ")}; list the actions it needs (e.g. s3:GetObject), never a whole service`,
      },
    ];
  });
}

/** Rule 6: no Allow statement grants `*` or `service:*`, in any policy JSON or policy document data source. */
export function iamViolations(model: StackModel): Violation[] {
  return model.elements.flatMap((element) => {
    if (element.kind === "data") {
      return element.type === "aws_iam_policy_document" ? wildcardViolations(element.path, "policy document", policyDocumentStatements(element)) : [];
    }
    const documents: [string, unknown][] = POLICY_ARGUMENTS.map((argument) => [argument, element.config[argument]]);
    blocks(element.config.inline_policy).forEach((inline, index) => documents.push([`inline_policy[${index}]`, inline.policy]));
    return documents.flatMap(([argument, text]) => wildcardViolations(element.path, argument, jsonPolicyStatements(text)));
  });
}
