import { jsonPolicyStatements, policyDocumentStatements, type PolicyConditionView, type PolicyStatementView } from "./iam";
import { blocks, isTrue, strings, type Config, type ResolvedElement, type StackModel } from "./stack-model";
import { RULES, type Violation } from "./violation";

const PUBLIC_ACCESS_BLOCK_FLAGS = ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"] as const;
/** Canned ACLs S3 Block Public Access treats as public: grants to AllUsers or AuthenticatedUsers. */
const PUBLIC_CANNED_ACLS = new Set(["public-read", "public-read-write", "authenticated-read"]);
const PUBLIC_GRANTEE_URIS = new Set([
  "http://acs.amazonaws.com/groups/global/AllUsers",
  "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
]);
const DOCUMENT_REF = /^\$\{(data\.aws_iam_policy_document\.[A-Za-z0-9_-]+)\.(?:minified_)?json\}$/;

/**
 * Condition keys that pin who the caller is or where the request comes from, so that an Allow to
 * Principal "*" stops being public. Built from the keys S3 Block Public Access accepts as making a
 * policy non-public (aws:SourceIp, SourceArn, SourceVpc, SourceVpce, SourceOwner, SourceAccount,
 * userid) plus the organization and principal keys that name the caller just as tightly. Keys such
 * as aws:SecureTransport say how the caller connects, not who it is. Lower case: keys are
 * case-insensitive.
 */
const CALLER_CONDITION_KEYS = new Set(
  [
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOwner",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:SourceIp",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:userid",
    "aws:username",
    "aws:PrincipalServiceName",
  ].map((key) => key.toLowerCase()),
);
/**
 * Operators that require the key to equal or match the values. Negated operators, Null, Bool,
 * `...IfExists` (true when the key is absent, as it is for anonymous callers) and ForAllValues
 * (true for an empty set) let through callers the values do not name.
 */
const MATCHING_OPERATORS = new Set(["stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"]);
/** Values that match every caller, so a condition on them pins nothing. */
const MATCH_ANYONE = new Set(["*", "0.0.0.0/0", "::/0"]);

function limitsTheCaller(condition: PolicyConditionView): boolean {
  const operator = condition.operator.toLowerCase().replace(/^foranyvalue:/, "");
  return (
    MATCHING_OPERATORS.has(operator) &&
    CALLER_CONDITION_KEYS.has(condition.key.toLowerCase()) &&
    condition.values.length > 0 &&
    condition.values.every((value) => !MATCH_ANYONE.has(value))
  );
}

function isPublicPrincipal(statement: PolicyStatementView): boolean {
  const { principals } = statement;
  // NotPrincipal in an Allow grants every principal except the ones it lists.
  if (statement.hasNotPrincipal) return true;
  if (principals === undefined) return false;
  if (principals === "*") return true;
  return Object.entries(principals).some(([type, ids]) => (type === "AWS" || type === "*") && ids.includes("*"));
}

function publicAccessBlockViolations(block: ResolvedElement, scope: string): Violation[] {
  const off = PUBLIC_ACCESS_BLOCK_FLAGS.filter((flag) => !isTrue(block.config[flag]));
  if (off.length === 0) return [];
  return [
    {
      path: block.path,
      rule: RULES.s3PublicBucket,
      message: `${off.join(", ")} ${off.length === 1 ? "is" : "are"} not true, so ${scope} can be made public; set all four flags to true and serve objects through CloudFront (OAC)`,
    },
  ];
}

function publicGrantViolation(element: ResolvedElement, where: string, grant: Config, uri: unknown): Violation[] {
  if (typeof uri !== "string" || !PUBLIC_GRANTEE_URIS.has(uri)) return [];
  const permissions = [...strings(grant.permission), ...strings(grant.permissions)];
  return [
    {
      path: element.path,
      rule: RULES.s3PublicBucket,
      message: `${where} grants ${permissions.join(", ") || "access"} to ${uri}; remove the grant and serve objects through CloudFront (OAC)`,
    },
  ];
}

/** Canned ACLs and grants, on a bucket, an object or a bucket ACL. */
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
  // aws_s3_bucket_acl nests grants under access_control_policy with a grantee block.
  for (const policy of blocks(element.config.access_control_policy)) {
    for (const grant of blocks(policy.grant)) {
      violations.push(...publicGrantViolation(element, "access_control_policy", grant, blocks(grant.grantee)[0]?.uri));
    }
  }
  // aws_s3_bucket and aws_s3_object_copy take grant blocks with the uri inline.
  blocks(element.config.grant).forEach((grant, index) => violations.push(...publicGrantViolation(element, `grant[${index}]`, grant, grant.uri)));
  return violations;
}

function describeActions(statement: PolicyStatementView): string {
  if (statement.notActions.length > 0) return `every action except ${statement.notActions.join(", ")}`;
  return statement.actions.join(", ") || "actions";
}

/** A bucket policy, on aws_s3_bucket_policy or inline on aws_s3_bucket: literal JSON or a policy document's json. */
function bucketPolicyViolations(policy: ResolvedElement, model: StackModel): Violation[] {
  const text = policy.config.policy;
  const documentAddress = typeof text === "string" ? DOCUMENT_REF.exec(text)?.[1] : undefined;
  const document = documentAddress === undefined ? undefined : model.element(documentAddress);
  const statements = document !== undefined ? policyDocumentStatements(document) : jsonPolicyStatements(text);
  return statements.flatMap((statement): Violation[] => {
    if (statement.effect !== "Allow" || !isPublicPrincipal(statement) || statement.conditions.some(limitsTheCaller)) return [];
    const who = statement.hasNotPrincipal ? "every principal outside NotPrincipal" : 'every principal ("*")';
    const otherKeys = [...new Set(statement.conditions.map((condition) => condition.key))];
    const unlessClause = otherKeys.length === 0 ? "without a Condition" : `with no condition that limits the caller (${otherKeys.join(", ")} ${otherKeys.length === 1 ? "does" : "do"} not)`;
    return [
      {
        path: policy.path,
        rule: RULES.s3PublicBucket,
        message: `${statement.label} allows ${describeActions(statement)} to ${who} ${unlessClause}; grant a named principal, or add a condition such as AWS:SourceArn = the distribution ARN`,
      },
    ];
  });
}

/** Rule 7: no public access block left open, no public ACL or grant, no bucket policy that allows anyone. */
export function s3Violations(model: StackModel): Violation[] {
  return model.elements.flatMap((element) => {
    if (element.kind !== "resource") return [];
    switch (element.type) {
      case "aws_s3_account_public_access_block":
        return publicAccessBlockViolations(element, "every bucket in the account");
      case "aws_s3_bucket_public_access_block":
        return publicAccessBlockViolations(element, "the bucket");
      case "aws_s3_bucket":
        return [...aclViolations(element), ...bucketPolicyViolations(element, model)];
      case "aws_s3_bucket_acl":
      case "aws_s3_object":
      case "aws_s3_object_copy":
        return aclViolations(element);
      case "aws_s3_bucket_policy":
        return bucketPolicyViolations(element, model);
      default:
        return [];
    }
  });
}
