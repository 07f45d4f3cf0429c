import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketAcl } from "@cdktf/provider-aws/lib/s3-bucket-acl";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3AccountPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-account-public-access-block";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { PrivateBucket } from "../../src/constructs/private-bucket";
import { testStack, violations, type TestStack } from "./harness";

function bucket(scope: TestStack): S3Bucket {
  return new S3Bucket(scope.stack, "bucket", { bucket: "test-models" });
}

const ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
const FIX_POLICY = "grant a named principal, or add a condition such as AWS:SourceArn = the distribution ARN";

function bucketPolicy(statements: object[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

function publicRead(sid: string, condition?: object): object {
  return { Sid: sid, Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::test-models/*", ...(condition ? { Condition: condition } : {}) };
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

  test("s3/no-public-bucket: an account public access block with a flag off or missing", () => {
    const scope = testStack();
    new S3AccountPublicAccessBlock(scope.stack, "account_block", { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: false });
    expect(violations(scope.stack)).toEqual([
      "test/account_block: s3/no-public-bucket: ignore_public_acls, restrict_public_buckets are not true, so every bucket in the account can be made public; set all four flags to true and serve objects through CloudFront (OAC)",
    ]);
  });

  test("an account public access block with all four flags on passes", () => {
    const scope = testStack();
    new S3AccountPublicAccessBlock(scope.stack, "account_block", { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    expect(violations(scope.stack)).toEqual([]);
  });

  test("s3/no-public-bucket: inline grants on aws_s3_bucket to AllUsers and AuthenticatedUsers", () => {
    const scope = testStack();
    new S3Bucket(scope.stack, "bucket", {
      bucket: "test-models",
      grant: [
        { type: "CanonicalUser", id: "owner", permissions: ["FULL_CONTROL"] },
        { type: "Group", uri: ALL_USERS, permissions: ["READ"] },
        { type: "Group", uri: AUTHENTICATED_USERS, permissions: ["READ", "WRITE"] },
      ],
    });
    expect(violations(scope.stack)).toEqual([
      `test/bucket: s3/no-public-bucket: grant[1] grants READ to ${ALL_USERS}; remove the grant and serve objects through CloudFront (OAC)`,
      `test/bucket: s3/no-public-bucket: grant[2] grants READ, WRITE to ${AUTHENTICATED_USERS}; remove the grant and serve objects through CloudFront (OAC)`,
    ]);
  });

  test("inline grants on aws_s3_bucket to the owner and a log delivery group pass", () => {
    const scope = testStack();
    new S3Bucket(scope.stack, "bucket", {
      bucket: "test-models",
      grant: [
        { type: "CanonicalUser", id: "owner", permissions: ["FULL_CONTROL"] },
        { type: "Group", uri: "http://acs.amazonaws.com/groups/s3/LogDelivery", permissions: ["WRITE"] },
      ],
    });
    expect(violations(scope.stack)).toEqual([]);
  });

  test("s3/no-public-bucket: an inline policy on aws_s3_bucket that allows Principal *", () => {
    const scope = testStack();
    new S3Bucket(scope.stack, "bucket", { bucket: "test-models", policy: bucketPolicy([publicRead("PublicRead")]) });
    expect(violations(scope.stack)).toEqual([
      `test/bucket: s3/no-public-bucket: statement "PublicRead" allows s3:GetObject to every principal ("*") without a Condition; ${FIX_POLICY}`,
    ]);
  });

  test("an inline policy on aws_s3_bucket conditioned on the distribution passes", () => {
    const scope = testStack();
    new S3Bucket(scope.stack, "bucket", {
      bucket: "test-models",
      policy: bucketPolicy([publicRead("FromDistribution", { StringEquals: { "AWS:SourceArn": "arn:aws:cloudfront::111111111111:distribution/E123" } })]),
    });
    expect(violations(scope.stack)).toEqual([]);
  });

  test("s3/no-public-bucket: a public canned ACL on aws_s3_object", () => {
    const scope = testStack();
    const target = bucket(scope);
    for (const acl of ["public-read", "public-read-write", "authenticated-read"]) {
      new S3Object(scope.stack, `object_${acl.replace(/-/g, "_")}`, { bucket: target.id, key: `models/${acl}.onnx`, source: "model.onnx", acl });
    }
    expect(violations(scope.stack)).toEqual(
      ["public-read", "public-read-write", "authenticated-read"].map(
        (acl) =>
          `test/object_${acl.replace(/-/g, "_")}: s3/no-public-bucket: acl = ${acl} grants access to everyone; remove the ACL (ownership BucketOwnerEnforced) and serve objects through CloudFront (OAC)`,
      ),
    );
  });

  test("an aws_s3_object with no ACL or a private one passes", () => {
    const scope = testStack();
    const target = bucket(scope);
    new S3Object(scope.stack, "object", { bucket: target.id, key: "models/a.onnx", source: "model.onnx" });
    new S3Object(scope.stack, "private_object", { bucket: target.id, key: "models/b.onnx", source: "model.onnx", acl: "private" });
    expect(violations(scope.stack)).toEqual([]);
  });

  test("s3/no-public-bucket: Principal * whose conditions do not limit the caller", () => {
    const scope = testStack();
    const target = bucket(scope);
    new S3BucketPolicy(scope.stack, "json_policy", {
      bucket: target.id,
      policy: bucketPolicy([
        publicRead("TlsOnly", { Bool: { "aws:SecureTransport": "true" } }),
        publicRead("NotFromVpce", { StringNotEquals: { "aws:SourceVpce": "vpce-123" } }),
        publicRead("IfExists", { StringEqualsIfExists: { "aws:SourceAccount": "111111111111" } }),
        publicRead("AnyArn", { ArnLike: { "aws:SourceArn": "*" } }),
        publicRead("AnyIp", { IpAddress: { "aws:SourceIp": "0.0.0.0/0" }, Bool: { "aws:SecureTransport": "true" } }),
      ]),
    });
    const document = new DataAwsIamPolicyDocument(scope.stack, "document", {
      statement: [
        {
          sid: "TlsOnly",
          principals: [{ type: "AWS", identifiers: ["*"] }],
          actions: ["s3:GetObject"],
          resources: ["arn:aws:s3:::test-models/*"],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["true"] }],
        },
      ],
    });
    new S3BucketPolicy(scope.stack, "document_policy", { bucket: target.id, policy: document.minifiedJson });
    const noLimit = (sid: string, keys: string) =>
      `test/json_policy: s3/no-public-bucket: statement "${sid}" allows s3:GetObject to every principal ("*") with no condition that limits the caller (${keys}); ${FIX_POLICY}`;
    expect(violations(scope.stack)).toEqual([
      noLimit("TlsOnly", "aws:SecureTransport does not"),
      noLimit("NotFromVpce", "aws:SourceVpce does not"),
      noLimit("IfExists", "aws:SourceAccount does not"),
      noLimit("AnyArn", "aws:SourceArn does not"),
      noLimit("AnyIp", "aws:SourceIp, aws:SecureTransport do not"),
      `test/document_policy: s3/no-public-bucket: statement "TlsOnly" allows s3:GetObject to every principal ("*") with no condition that limits the caller (aws:SecureTransport does not); ${FIX_POLICY}`,
    ]);
  });

  test("Principal * limited by a caller key passes, whatever the key's case and alongside other conditions", () => {
    const scope = testStack();
    const target = bucket(scope);
    new S3BucketPolicy(scope.stack, "json_policy", {
      bucket: target.id,
      policy: bucketPolicy([
        publicRead("FromDistribution", { StringEquals: { "AWS:SourceArn": "arn:aws:cloudfront::111111111111:distribution/E123" } }),
        publicRead("FromAccount", { StringEquals: { "aws:sourceaccount": "111111111111" }, Bool: { "aws:SecureTransport": "true" } }),
        publicRead("FromOrg", { "ForAnyValue:StringEquals": { "aws:PrincipalOrgID": ["o-abc123"] } }),
        publicRead("FromOffice", { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } }),
      ]),
    });
    const document = new DataAwsIamPolicyDocument(scope.stack, "document", {
      statement: [
        {
          sid: "FromVpce",
          principals: [{ type: "*", identifiers: ["*"] }],
          actions: ["s3:GetObject"],
          resources: ["arn:aws:s3:::test-models/*"],
          condition: [
            { test: "Bool", variable: "aws:SecureTransport", values: ["true"] },
            { test: "StringEquals", variable: "aws:SourceVpce", values: ["vpce-123"] },
          ],
        },
      ],
    });
    new S3BucketPolicy(scope.stack, "document_policy", { bucket: target.id, policy: document.minifiedJson });
    expect(violations(scope.stack)).toEqual([]);
  });

  test("s3/no-public-bucket: an Allow with NotPrincipal covers everyone else", () => {
    const scope = testStack();
    new S3BucketPolicy(scope.stack, "json_policy", {
      bucket: bucket(scope).id,
      policy: bucketPolicy([
        { Sid: "AllButOne", Effect: "Allow", NotPrincipal: { AWS: "arn:aws:iam::111111111111:role/x" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::test-models/*" },
      ]),
    });
    expect(violations(scope.stack)).toEqual([
      `test/json_policy: s3/no-public-bucket: statement "AllButOne" allows s3:GetObject to every principal outside NotPrincipal without a Condition; ${FIX_POLICY}`,
    ]);
  });

  test("a Deny with NotPrincipal passes", () => {
    const scope = testStack();
    new S3BucketPolicy(scope.stack, "json_policy", {
      bucket: bucket(scope).id,
      policy: bucketPolicy([
        { Sid: "OnlyOneRole", Effect: "Deny", NotPrincipal: { AWS: "arn:aws:iam::111111111111:role/x" }, Action: "s3:*", Resource: "arn:aws:s3:::test-models/*" },
      ]),
    });
    expect(violations(scope.stack)).toEqual([]);
  });
});
