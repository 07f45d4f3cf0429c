import type { TerraformResource } from "cdktf";
import type { IConstruct } from "constructs";
import type { EdgeEventType } from "../defaults/lambda";

/** What a construct knows about a Lambda@Edge function that its Terraform configuration does not say. */
export interface EdgeFunctionDeclaration {
  /** Named in violation messages: the construct a person wrote, not the raw resource inside it. */
  readonly owner: IConstruct;
  readonly eventType: EdgeEventType;
  /** Size of the deployment zip; Terraform only sees its path. */
  readonly zipBytes?: number;
}

const declarations = new WeakMap<TerraformResource, EdgeFunctionDeclaration>();

/**
 * Marks an `aws_lambda_function` as a Lambda@Edge function, so the guardrails hold it to the
 * Lambda@Edge rules even before a distribution associates it, and check its zip size.
 */
export function declareEdgeFunction(lambdaFunction: TerraformResource, declaration: EdgeFunctionDeclaration): void {
  declarations.set(lambdaFunction, declaration);
}

export function edgeFunctionDeclaration(lambdaFunction: TerraformResource): EdgeFunctionDeclaration | undefined {
  return declarations.get(lambdaFunction);
}
