import type { TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { ApiGatewayAccount as ApiGatewayAccountSettings } from "@cdktf/provider-aws/lib/api-gateway-account";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { API_GATEWAY_PUSH_TO_CLOUDWATCH_POLICY_ARN, serviceTrustPolicy } from "../defaults/iam";

export interface ApiGatewayAccountProps {
  /** IAM role names are account-wide, so include the region when several regions each get one. */
  readonly roleName: string;
  readonly provider?: TerraformProvider;
}

/**
 * The role API Gateway uses to write execution and access logs. `aws_api_gateway_account` is a
 * per-region, per-account singleton: two stacks (or environments sharing an account and region)
 * that both declare it overwrite each other's setting, and destroying it leaves the last value in place.
 */
export class ApiGatewayAccount extends Construct {
  public readonly role: IamRole;
  public readonly policyAttachment: IamRolePolicyAttachment;
  public readonly account: ApiGatewayAccountSettings;

  constructor(scope: Construct, id: string, props: ApiGatewayAccountProps) {
    super(scope, id);
    const provider = props.provider;
    this.role = new IamRole(this, "cloudwatch-role", {
      provider,
      name: props.roleName,
      description: "Lets API Gateway write execution and access logs to CloudWatch Logs (account setting)",
      assumeRolePolicy: serviceTrustPolicy("apigateway.amazonaws.com"),
    });
    this.policyAttachment = new IamRolePolicyAttachment(this, "cloudwatch-policy", {
      provider,
      role: this.role.name,
      policyArn: API_GATEWAY_PUSH_TO_CLOUDWATCH_POLICY_ARN,
    });
    // API Gateway checks the role can write logs when the setting is saved, so the policy goes first.
    this.account = new ApiGatewayAccountSettings(this, "account", {
      provider,
      cloudwatchRoleArn: this.role.arn,
      dependsOn: [this.policyAttachment],
    });
  }
}
