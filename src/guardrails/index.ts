import { Aspects, TerraformDataSource, TerraformProvider, TerraformResource, TerraformStack, type IAspect } from "cdktf";
import type { IConstruct } from "constructs";
import { ProblemsError } from "../problems";
import { cloudFrontViolations } from "./cloudfront";
import { iamViolations } from "./iam";
import { lambdaAtEdgeViolations } from "./lambda-at-edge";
import { s3Violations } from "./s3";
import { StackModel } from "./stack-model";
import { formatViolation, type Violation } from "./violation";

export { declareEdgeFunction, type EdgeFunctionDeclaration } from "./edge-declarations";
export { EDGE_FIXES } from "./lambda-at-edge";
export { formatViolation, RULES, type RuleId, type Violation } from "./violation";

/**
 * A cdktf Aspect that holds every resource of the stacks it visits to the AWS rules in RULES.
 * Visiting only gathers the resources; the rules run once the whole tree is known, because some
 * span resources (an association and the function it names, a bucket policy and its document),
 * and they read each resource as cdk.tf.json will contain it, escape-hatch overrides included.
 */
export class Guardrails implements IAspect {
  private readonly models = new Map<TerraformStack, StackModel>();

  public visit(node: IConstruct): void {
    if (TerraformStack.isStack(node)) {
      // Aspects run again on every synth of the stack; start from scratch each time.
      this.models.set(node, new StackModel(node));
      return;
    }
    const stack = TerraformStack.of(node);
    let model = this.models.get(stack);
    if (model === undefined) {
      model = new StackModel(stack);
      this.models.set(stack, model);
    }
    if (TerraformResource.isTerraformResource(node) || TerraformDataSource.isTerraformDataSource(node)) {
      model.add(node);
    } else if (TerraformProvider.isTerraformProvider(node)) {
      model.addProvider(node);
    }
  }

  /** Every violation in every visited stack, in construct order within each rule family. */
  public violations(): Violation[] {
    return [...this.models.values()].flatMap((model) => [
      ...lambdaAtEdgeViolations(model),
      ...cloudFrontViolations(model),
      ...iamViolations(model),
      ...s3Violations(model),
    ]);
  }

  /** Throws one ProblemsError, one line per violation, so the CLI prints each without a stack trace. */
  public assertNoViolations(): void {
    const problems = [...new Set(this.violations().map(formatViolation))];
    if (problems.length > 0) throw new ProblemsError(problems);
  }
}

/**
 * Applies the guardrails to a stack, or to every stack already in an app, and makes synth fail
 * when any rule is broken. cdktf invokes aspects per stack (an app's own aspects never run), then
 * runs validations, so the failure is raised from a validation on `scope`: on an app, after every
 * stack has been checked, listing the violations of all of them at once.
 *
 * Validations run in `app.synth()` and `Testing.synth(stack, true)`, not in `Testing.synth(stack)`.
 */
export function addGuardrails(scope: IConstruct): Guardrails {
  const guardrails = new Guardrails();
  const stacks = TerraformStack.isStack(scope) ? [scope] : scope.node.findAll().filter(TerraformStack.isStack);
  for (const stack of stacks) Aspects.of(stack).add(guardrails);
  scope.node.addValidation({
    validate: () => {
      guardrails.assertNoViolations();
      return [];
    },
  });
  return guardrails;
}
