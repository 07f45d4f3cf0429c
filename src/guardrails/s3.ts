import { jsonPolicyStatements, policyDocumentStatements, type PolicyStatementView } from "./iam";
import { blocks, isTrue, type ResolvedElement, type StackModel } from "./stack-model";
import { RULES, type Violation } from "./violation";

const PUBLIC_ACCESS_BLOCK_FLAGS = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"] as const;
/** Canned ACLs S3 Block Public Access treats as public: grants to AllUsers or AuthenticatedUsers. */
const PUBLIC_CANNED_ACLS = new Set(["public-read", "public-read-write", "authenticated-read"]);
const PUBLIC_GRANTEE_URIS = new Set([
  "http://acs.amazonaws.com/groups/global/AllUsers",
  "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
]);
const DOCUMENT_REF = /^\$\{(data\.aws_iam_policy_document\.[A-Za-z0-9_-]+)\.json\}$/;

function isPublicPrincipal(principals: PolicyStatementView["principals"]): boolean {
  if (principals === undefined) return false;
  if (principals === "*") return true;
  return Object.entries(principals).some(([type, ids]) => (type === "AWS" || type === "*") && ids.includes("*"));
}

function publicAccessBlockViolations(block: ResolvedElement): Violation[] {
  const off = PUBLIC_ACCESS_BLOCK_FLAGS.filter((flag) => !isTrue(block.config[flag]));
  if (off.length === 0) return [];
  return [
    {
      path: block.path,
      rule: RULES.s3PublicBucket,
      message: `${off.join(", ")} ${off.length === 1 ? "is" : "are"} not true, so the bucket can be made public; set all four flags to true and serve objects through CloudFront (OAC)`,
    },
  ];
}

function aclViolations(element: ResolvedElement): Violation[] {
  const violations: Violation[] = [];
  const acl = element.config.acl;
  if (typeof acl === "string" && PUBLIC_CANNED_ACLS.has(acl)) {
    violations.push({
      path: element.path,
      rule: RULES.s3PublicBucket,
      message: `acl = ${acl} grants access to everyone; remove the ACL (ownership BucketOwnerEnforced) and serve objects through CloudFront (OAC)`,
    });
  }
  for (const policy of blocks(element.config.access_control_policy)) {
    for (const grant of blocks(policy.grant)) {
      const uri = blocks(grant.grantee).map((grantee) => grantee.uri)[0];
      if (typeof uri === "string" && PUBLIC_GRANTEE_URIS.has(uri)) {
        violations.push({
          path: element.path,
          rule: RULES.s3PublicBucket,
          message: `access_control_policy grants ${String(grant.permission)} to ${uri}; remove the grant and serve objects through CloudFront (OAC)`,
        });
      }
    }
  }
  return violations;
}

function bucketPolicyViolations(policy: ResolvedElement, model: StackModel): Violation[] {
  const text = policy.config.policy;
  const documentAddress = typeof text === "string" ? DOCUMENT_REF.exec(text)?.[1] : undefined;
  const document = documentAddress === undefined ? undefined : model.element(documentAddress);
  const statements = document !== undefined ? policyDocumentStatements(document) : jsonPolicyStatements(text);
  return statements
    .filter((statement) => statement.effect === "Allow" && isPublicPrincipal(statement.principals) && !statement.hasCondition)
    .map((statement) => ({
      path: policy.path,
      rule: RULES.s3PublicBucket,
      message: `${statement.label} allows ${statement.actions.join(", ") || "actions"} to every principal ("*") without a Condition; grant a named principal, or add a condition such as AWS:SourceArn = the distribution ARN`,
    }));
}

/** Rule 7: no public access block left open, no public ACL, no bucket policy that allows anyone. */
export function s3Violations(model: StackModel): Violation[] {
  return model.elements.flatMap((element) => {
    if (element.kind !== "resource") return [];
    switch (element.type) {
      case "aws_s3_bucket_public_access_block":
        return publicAccessBlockViolations(element);
      case "aws_s3_bucket":
      case "aws_s3_bucket_acl":
        return aclViolations(element);
      case "aws_s3_bucket_policy":
        return bucketPolicyViolations(element, model);
      default:
        return [];
    }
  });
}
