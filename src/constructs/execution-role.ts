import type { TerraformProvider } from "cdktf";
import type { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { allowPolicy, type PolicyStatement } from "../defaults/iam";

export interface ExecutionRoleProps {
  readonly functionName: string;
  readonly description: string;
  /** The trust policy JSON: who may assume the role. */
  readonly assumeRolePolicy: string;
  /** Everything the function may do, as one inline policy; no managed policies. */
  readonly statements: readonly (PolicyStatement & { readonly sid?: string })[];
  readonly permissionsBoundaryArn?: string;
  readonly provider?: TerraformProvider;
}

/**
 * A Lambda function's role, named after the function, and its one inline `execution` policy,
 * created in `scope` as `role` and `role-policy` so every function's resources keep the same addresses.
 */
export function addExecutionRole(scope: Construct, props: ExecutionRoleProps): { role: IamRole; rolePolicy: IamRolePolicy } {
  const role = new IamRole(scope, "role", {
    provider: props.provider,
    name: props.functionName,
    description: props.description,
    assumeRolePolicy: props.assumeRolePolicy,
    permissionsBoundary: props.permissionsBoundaryArn,
  });
  const rolePolicy = new IamRolePolicy(scope, "role-policy", {
    provider: props.provider,
    name: "execution",
    role: role.id,
    policy: allowPolicy(props.statements),
  });
  return { role, rolePolicy };
}
