import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketAcl } from "@cdktf/provider-aws/lib/s3-bucket-acl";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { PrivateBucket } from "../../src/constructs/private-bucket";
import { testStack, violations, type TestStack } from "./harness";

function bucket(scope: TestStack): S3Bucket {
  return new S3Bucket(scope.stack, "bucket", { bucket: "test-models" });
}

describe("s3 guardrails", () => {
  test("a PrivateBucket, with a CloudFront grant conditioned on the distribution, passes", () => {
    const scope = testStack();
    const privateBucket = new PrivateBucket(scope.stack, "models", { bucketName: "test-models" });
    privateBucket.addToResourcePolicy({
      sid: "AllowCloudFrontReadModels",
      effect: "Allow",
      principals: [{ type: "Service", identifiers: ["cloudfront.amazonaws.com"] }],
      actions: ["s3:GetObject"],
      resources: [`${privateBucket.bucket.arn}/models/*`],
      conditions: [{ test: "StringEquals", variable: "AWS:SourceArn", values: ["arn:aws:cloudfront::111111111111:distribution/E123"] }],
    });
    expect(violations(scope.stack)).toEqual([]);
  });

  test("s3/no-public-bucket: a public access block with flags off or missing", () => {
    const scope = testStack();
    new S3BucketPublicAccessBlock(scope.stack, "public_access_block", {
      bucket: bucket(scope).id,
      blockPublicAcls: true,
      ignorePublicAcls: true,
      blockPublicPolicy: false,
    });
    expect(violations(scope.stack)).toEqual([
      "test/public_access_block: s3/no-public-bucket: block_public_policy, restrict_public_buckets are not true, so the bucket can be made public; set all four flags to true and serve objects through CloudFront (OAC)",
    ]);
  });

  test("s3/no-public-bucket: a public canned ACL, and a grant to AllUsers", () => {
    const scope = testStack();
    const target = bucket(scope);
    new S3BucketAcl(scope.stack, "acl", { bucket: target.id, acl: "public-read" });
    new S3BucketAcl(scope.stack, "grants", {
      bucket: target.id,
      accessControlPolicy: {
        owner: { id: "owner" },
        grant: [{ permission: "READ", grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" } }],
      },
    });
    expect(violations(scope.stack)).toEqual([
      "test/acl: s3/no-public-bucket: acl = public-read grants access to everyone; remove the ACL (ownership BucketOwnerEnforced) and serve objects through CloudFront (OAC)",
      "test/grants: s3/no-public-bucket: access_control_policy grants READ to http://acs.amazonaws.com/groups/global/AllUsers; remove the grant and serve objects through CloudFront (OAC)",
    ]);
  });

  test("s3/no-public-bucket: a bucket policy that allows Principal * without a condition, as JSON or as a policy document", () => {
    const scope = testStack();
    const target = bucket(scope);
    new S3BucketPolicy(scope.stack, "json_policy", {
      bucket: target.id,
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::test-models/*" },
          { Sid: "AnyAccount", Effect: "Allow", Principal: { AWS: ["*"] }, Action: "s3:ListBucket", Resource: "arn:aws:s3:::test-models" },
          {
            Sid: "FromVpce",
            Effect: "Allow",
            Principal: "*",
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::test-models/*",
            Condition: { StringEquals: { "aws:SourceVpce": "vpce-123" } },
          },
        ],
      }),
    });
    const document = new DataAwsIamPolicyDocument(scope.stack, "document", {
      statement: [{ sid: "Anyone", principals: [{ type: "*", identifiers: ["*"] }], actions: ["s3:GetObject"], resources: ["arn:aws:s3:::test-models/*"] }],
    });
    new S3BucketPolicy(scope.stack, "document_policy", { bucket: target.id, policy: document.json });
    expect(violations(scope.stack)).toEqual([
      'test/json_policy: s3/no-public-bucket: statement "PublicRead" allows s3:GetObject to every principal ("*") without a Condition; grant a named principal, or add a condition such as AWS:SourceArn = the distribution ARN',
      'test/json_policy: s3/no-public-bucket: statement "AnyAccount" allows s3:ListBucket to every principal ("*") without a Condition; grant a named principal, or add a condition such as AWS:SourceArn = the distribution ARN',
      'test/document_policy: s3/no-public-bucket: statement "Anyone" allows s3:GetObject to every principal ("*") without a Condition; grant a named principal, or add a condition such as AWS:SourceArn = the distribution ARN',
    ]);
  });
});
