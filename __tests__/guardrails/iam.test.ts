import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { testStack, violations } from "./harness";

const TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

function policy(statements: object[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

describe("iam guardrails", () => {
  test("iam/no-wildcard-actions: in an inline role policy, a managed policy and a role's inline_policy", () => {
    const scope = testStack();
    const role = new IamRole(scope.stack, "role", {
      name: "test",
      assumeRolePolicy: TRUST,
      inlinePolicy: [{ name: "legacy", policy: policy([{ Effect: "Allow", Action: "*", Resource: "*" }]) }],
    });
    new IamRolePolicy(scope.stack, "role_policy", {
      role: role.id,
      policy: policy([
        { Sid: "Logs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: ["arn:aws:logs:*:111111111111:log-group:x:*"] },
        { Sid: "Models", Effect: "Allow", Action: ["s3:*", "kms:*"], Resource: ["${aws_s3_bucket.models.arn}/*"] },
      ]),
    });
    new IamPolicy(scope.stack, "managed", { name: "test", policy: policy([{ Effect: "Allow", Action: "dynamodb:*", Resource: "*" }]) });
    expect(violations(scope.stack)).toEqual([
      'test/role: iam/no-wildcard-actions: inline_policy[0] statement 0 allows "*"; list the actions it needs (e.g. s3:GetObject), never a whole service',
      'test/role_policy: iam/no-wildcard-actions: policy statement "Models" allows "s3:*", "kms:*"; list the actions it needs (e.g. s3:GetObject), never a whole service',
      'test/managed: iam/no-wildcard-actions: policy statement 0 allows "dynamodb:*"; list the actions it needs (e.g. s3:GetObject), never a whole service',
    ]);
  });

  test("iam/no-wildcard-actions: in an aws_iam_policy_document data source", () => {
    const scope = testStack();
    new DataAwsIamPolicyDocument(scope.stack, "document", {
      statement: [{ sid: "Everything", actions: ["s3:*"], resources: ["*"] }],
    });
    expect(violations(scope.stack)).toEqual([
      'test/document: iam/no-wildcard-actions: policy document statement "Everything" allows "s3:*"; list the actions it needs (e.g. s3:GetObject), never a whole service',
    ]);
  });

  test("Deny statements may name whole services, and prefix wildcards are left to review", () => {
    const scope = testStack();
    new DataAwsIamPolicyDocument(scope.stack, "document", {
      statement: [
        { sid: "DenyInsecureTransport", effect: "Deny", actions: ["s3:*"], resources: ["*"], principals: [{ type: "*", identifiers: ["*"] }] },
        { sid: "Read", actions: ["s3:Get*"], resources: ["arn:aws:s3:::bucket/*"] },
      ],
    });
    new IamRolePolicy(scope.stack, "role_policy", {
      role: "test",
      policy: policy([{ Effect: "Deny", Action: "*", Resource: "*", Condition: { Bool: { "aws:MultiFactorAuthPresent": "false" } } }]),
    });
    expect(violations(scope.stack)).toEqual([]);
  });

  test("iam/no-wildcard-actions: an Allow with NotAction, in policy JSON and as not_actions in a policy document", () => {
    const scope = testStack();
    new IamRolePolicy(scope.stack, "role_policy", {
      role: "test",
      policy: policy([{ Sid: "AllButIam", Effect: "Allow", NotAction: ["iam:*", "organizations:*"], Resource: "*" }]),
    });
    new DataAwsIamPolicyDocument(scope.stack, "document", {
      statement: [{ sid: "AllButDelete", notActions: ["s3:DeleteObject"], resources: ["arn:aws:s3:::bucket/*"] }],
    });
    expect(violations(scope.stack)).toEqual([
      'test/role_policy: iam/no-wildcard-actions: policy statement "AllButIam" allows every action except "iam:*", "organizations:*" (NotAction); list the actions it needs (e.g. s3:GetObject) instead of the ones it must not have',
      'test/document: iam/no-wildcard-actions: policy document statement "AllButDelete" allows every action except "s3:DeleteObject" (not_actions); list the actions it needs (e.g. s3:GetObject) instead of the ones it must not have',
    ]);
  });

  test("a Deny with NotAction passes", () => {
    const scope = testStack();
    new IamRolePolicy(scope.stack, "role_policy", {
      role: "test",
      policy: policy([
        { Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket/*" },
        { Sid: "DenyAllButRead", Effect: "Deny", NotAction: "s3:GetObject", Resource: "*" },
      ]),
    });
    new DataAwsIamPolicyDocument(scope.stack, "document", {
      statement: [{ sid: "DenyAllButRead", effect: "Deny", notActions: ["s3:GetObject"], resources: ["*"] }],
    });
    expect(violations(scope.stack)).toEqual([]);
  });
});
