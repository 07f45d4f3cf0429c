import { blocks, strings, type Config, type ResolvedElement, type StackModel } from "./stack-model";
import { RULES, type Violation } from "./violation";

/** Arguments that hold an IAM policy document as JSON text, on any resource type. */
const POLICY_ARGUMENTS = ["policy", "assume_role_policy", "policy_document"] as const;

/** One key test of a statement's Condition: `{ "StringEquals": { "aws:SourceArn": [...] } }` or a `condition` block. */
export interface PolicyConditionView {
  readonly operator: string;
  readonly key: string;
  readonly values: string[];
}

/** A statement of a JSON policy, or of a `data "aws_iam_policy_document"` in the same shape. */
export interface PolicyStatementView {
  readonly label: string;
  readonly effect: string;
  readonly actions: string[];
  /** NotAction / not_actions: the statement covers every action except these. */
  readonly notActions: string[];
  /** Principal, normalised: "*" or a map of principal type to identifiers. */
  readonly principals: "*" | Record<string, string[]> | undefined;
  /** NotPrincipal / not_principals is set: the statement covers every principal except those. */
  readonly hasNotPrincipal: boolean;
  readonly conditions: PolicyConditionView[];
}

function jsonConditions(condition: unknown): PolicyConditionView[] {
  if (typeof condition !== "object" || condition === null) return [];
  return Object.entries(condition).flatMap(([operator, tests]) =>
    typeof tests === "object" && tests !== null ? Object.entries(tests).map(([key, values]) => ({ operator, key, values: strings(values) })) : [],
  );
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
        notActions: strings(entry.NotAction),
        principals,
        hasNotPrincipal: entry.NotPrincipal !== undefined,
        conditions: jsonConditions(entry.Condition),
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
      notActions: strings(statement.not_actions),
      principals: Object.keys(principals).length > 0 ? principals : undefined,
      hasNotPrincipal: blocks(statement.not_principals).length > 0,
      conditions: blocks(statement.condition).map((condition) => ({
        operator: String(condition.test),
        key: String(condition.variable),
        values: strings(condition.values),
      })),
    };
  });
}

function isWildcardAction(action: string): boolean {
  return action === "*" || /^[A-Za-z0-9-]+:\*$/.test(action);
}

function quoted(values: readonly string[]): string {
  return values.map((value) => `"${value}"`).join(", ");
}

/** `notActionName` is how the source spells it: NotAction in JSON, not_actions in a policy document. */
function wildcardViolations(path: string, where: string, statements: readonly PolicyStatementView[], notActionName: string): Violation[] {
  return statements.flatMap((statement): Violation[] => {
    if (statement.effect !== "Allow") return [];
    const violations: Violation[] = [];
    const wildcards = statement.actions.filter(isWildcardAction);
    if (wildcards.length > 0) {
      violations.push({
        path,
        rule: RULES.iamWildcardActions,
        message: `${where} ${statement.label} allows ${quoted(wildcards)}; list the actions it needs (e.g. s3:GetObject), never a whole service`,
      });
    }
    // An Allow with NotAction grants every action of every service except the listed ones.
    if (statement.notActions.length > 0) {
      violations.push({
        path,
        rule: RULES.iamWildcardActions,
        message: `${where} ${statement.label} allows every action except ${quoted(statement.notActions)} (${notActionName}); list the actions it needs (e.g. s3:GetObject) instead of the ones it must not have`,
      });
    }
    return violations;
  });
}

/** Rule 6: no Allow statement grants `*`, `service:*` or NotAction, in any policy JSON or policy document data source. */
export function iamViolations(model: StackModel): Violation[] {
  return model.elements.flatMap((element) => {
    if (element.kind === "data") {
      return element.type === "aws_iam_policy_document" ? wildcardViolations(element.path, "policy document", policyDocumentStatements(element), "not_actions") : [];
    }
    const documents: [string, unknown][] = POLICY_ARGUMENTS.map((argument) => [argument, element.config[argument]]);
    blocks(element.config.inline_policy).forEach((inline, index) => documents.push([`inline_policy[${index}]`, inline.policy]));
    return documents.flatMap(([argument, text]) => wildcardViolations(element.path, argument, jsonPolicyStatements(text), "NotAction"));
  });
}
