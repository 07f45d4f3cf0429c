import { formatBytes } from "../build/size-budget";
import { CLOUDFRONT_CONTROL_REGION } from "../config/regions";
import { EDGE_EVENT_TYPES, edgeEventLimits, type EdgeEventType } from "../defaults/lambda";
import { edgeAssociations, type EdgeAssociation } from "./cloudfront";
import { blocks, isTrue, literalNumber, strings, type ResolvedElement, type StackModel } from "./stack-model";
import { RULES, type Violation } from "./violation";

/** Lambda's defaults when aws_lambda_function omits them. */
const LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3;
const LAMBDA_DEFAULT_MEMORY_MB = 128;

type AssociationTarget =
  | { readonly kind: "function"; readonly address: string; readonly qualified: boolean }
  | { readonly kind: "alias" }
  | { readonly kind: "arn"; readonly region: string; readonly qualifier: string | undefined }
  | { readonly kind: "unknown" };

const NAME = "[A-Za-z0-9_-]+";
const QUALIFIED_ARN_REF = new RegExp(`^\\$\\{aws_lambda_function\\.(${NAME})\\.qualified_arn\\}$`);
const ARN_AND_VERSION_REFS = new RegExp(`^\\$\\{aws_lambda_function\\.(${NAME})\\.arn\\}:\\$\\{aws_lambda_function\\.\\1\\.version\\}$`);
const ARN_REF = new RegExp(`^\\$\\{aws_lambda_function\\.(${NAME})\\.arn\\}(:\\$LATEST)?$`);
const ALIAS_REF = new RegExp(`^\\$\\{aws_lambda_alias\\.${NAME}\\.(arn|invoke_arn)\\}$`);
const LITERAL_ARN = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):\d{12}:function:[A-Za-z0-9_-]+(?::([^:]+))?$/;

function associationTarget(lambdaArn: string): AssociationTarget {
  let match = QUALIFIED_ARN_REF.exec(lambdaArn) ?? ARN_AND_VERSION_REFS.exec(lambdaArn);
  if (match) return { kind: "function", address: `aws_lambda_function.${match[1]}`, qualified: true };
  match = ARN_REF.exec(lambdaArn);
  if (match) return { kind: "function", address: `aws_lambda_function.${match[1]}`, qualified: false };
  if (ALIAS_REF.test(lambdaArn)) return { kind: "alias" };
  match = LITERAL_ARN.exec(lambdaArn);
  if (match) return { kind: "arn", region: match[1], qualifier: match[2] };
  return { kind: "unknown" };
}

function isEdgeEventType(value: string): value is EdgeEventType {
  return (EDGE_EVENT_TYPES as readonly string[]).includes(value);
}

/** Shared with EdgeInferenceFunction, which rejects the same settings when it is constructed. */
export const EDGE_FIXES = {
  environment: "Lambda@Edge functions cannot have environment variables; move settings into the bundle's generated config",
  layers: "Lambda@Edge functions cannot use layers; bundle the dependencies into the function's zip",
  architecture: 'Lambda@Edge does not support arm64; set architectures = ["x86_64"]',
  zipSize: 'serve large models "regional" or shrink the bundle',
} as const;

const FIX_QUALIFIED = "associate the function's qualified_arn (EdgeInferenceFunction.qualifiedArn) with publish = true";

function associationViolations(association: EdgeAssociation, model: StackModel): Violation[] {
  const { distribution, behavior, eventType, lambdaArn } = association;
  const where = `${behavior} ${eventType} association`;
  const violation = (message: string): Violation => ({ path: distribution.path, rule: RULES.edgePublishedVersion, message });
  const target = associationTarget(lambdaArn);
  switch (target.kind) {
    case "function": {
      if (!target.qualified) {
        return [violation(`${where} uses ${lambdaArn}, an unqualified ARN that CloudFront rejects (it needs a numbered version); ${FIX_QUALIFIED}`)];
      }
      const fn = model.element(target.address);
      if (fn !== undefined && !isTrue(fn.config.publish)) {
        return [violation(`${where} uses the qualified_arn of ${target.address}, which does not set publish = true, so it names $LATEST and CloudFront rejects it; set publish = true on the function`)];
      }
      return [];
    }
    case "alias":
      return [violation(`${where} uses an alias ARN (${lambdaArn}); CloudFront accepts only numbered versions: ${FIX_QUALIFIED}`)];
    case "arn": {
      const violations: Violation[] = [];
      if (target.qualifier === undefined || !/^\d+$/.test(target.qualifier)) {
        const what = target.qualifier === undefined ? "an unqualified ARN" : `qualifier "${target.qualifier}", not a numbered version`;
        violations.push(violation(`${where} uses ${lambdaArn}: ${what}, which CloudFront rejects; ${FIX_QUALIFIED}`));
      }
      if (target.region !== CLOUDFRONT_CONTROL_REGION) {
        violations.push({
          path: distribution.path,
          rule: RULES.edgeRegion,
          message: `${where} uses a function in ${target.region}; Lambda@Edge functions must be in ${CLOUDFRONT_CONTROL_REGION}`,
        });
      }
      return violations;
    }
    case "unknown":
      return [];
  }
}

/** The event type with the smallest quotas among those the function serves. */
function strictest(eventTypes: readonly EdgeEventType[]): EdgeEventType {
  return [...eventTypes].sort((a, b) => edgeEventLimits(a).maxTimeoutSeconds - edgeEventLimits(b).maxTimeoutSeconds)[0];
}

function functionViolations(fn: ResolvedElement, eventTypes: readonly EdgeEventType[], model: StackModel): Violation[] {
  const path = fn.edgeDeclaration?.owner.node.path ?? fn.path;
  const violations: Violation[] = [];
  const add = (rule: Violation["rule"], message: string) => violations.push({ path, rule, message });
  const { config } = fn;

  const region = model.regionOf(fn);
  if (region !== CLOUDFRONT_CONTROL_REGION) {
    const where = region === undefined ? "its region is not pinned" : `it is in ${region}`;
    add(RULES.edgeRegion, `Lambda@Edge functions must be created in ${CLOUDFRONT_CONTROL_REGION} but ${where}; create it with the us-east-1 provider (AwsProviders.usEast1)`);
  }
  const hasVariables = blocks(config.environment).some((environment) => {
    const variables = environment.variables;
    return typeof variables === "string" || (typeof variables === "object" && variables !== null && Object.keys(variables).length > 0);
  });
  if (hasVariables) {
    add(RULES.edgeEnvironment, EDGE_FIXES.environment);
  }
  if (typeof config.layers === "string" || strings(config.layers).length > 0) {
    add(RULES.edgeLayers, EDGE_FIXES.layers);
  }
  if (strings(config.architectures).includes("arm64")) {
    add(RULES.edgeArchitecture, EDGE_FIXES.architecture);
  }

  const eventType = strictest(eventTypes);
  const limits = edgeEventLimits(eventType);
  const timeout = config.timeout === undefined ? LAMBDA_DEFAULT_TIMEOUT_SECONDS : literalNumber(config.timeout);
  if (timeout !== undefined && timeout > limits.maxTimeoutSeconds) {
    add(RULES.edgeTimeout, `timeout ${timeout} s is over the Lambda@Edge ${eventType} limit of ${limits.maxTimeoutSeconds} s; set it to ${limits.maxTimeoutSeconds} or less`);
  }
  const memory = config.memory_size === undefined ? LAMBDA_DEFAULT_MEMORY_MB : literalNumber(config.memory_size);
  if (memory !== undefined && memory > limits.maxMemoryMb) {
    add(RULES.edgeMemory, `memory_size ${memory} MB is over the Lambda@Edge ${eventType} limit of ${limits.maxMemoryMb} MB; set it to ${limits.maxMemoryMb} or less`);
  }
  const zipBytes = fn.edgeDeclaration?.zipBytes;
  if (zipBytes !== undefined && zipBytes > limits.maxZipBytes) {
    add(RULES.edgeZipSize, `the zip is ${formatBytes(zipBytes)}, over the Lambda@Edge ${eventType} limit of ${formatBytes(limits.maxZipBytes)}; ${EDGE_FIXES.zipSize}`);
  }
  return violations;
}

/**
 * Rules 1 and 8. A function is held to the Lambda@Edge rules when a construct declares it one
 * (EdgeInferenceFunction does) or a distribution in the stack associates it; the quotas of the
 * strictest event type it serves apply.
 */
export function lambdaAtEdgeViolations(model: StackModel): Violation[] {
  const associations = model.ofType("aws_cloudfront_distribution").flatMap(edgeAssociations);
  const functionViolationsList = model.ofType("aws_lambda_function").flatMap((fn) => {
    const eventTypes = new Set<EdgeEventType>();
    if (fn.edgeDeclaration) eventTypes.add(fn.edgeDeclaration.eventType);
    for (const association of associations) {
      const target = associationTarget(association.lambdaArn);
      if (target.kind === "function" && target.address === fn.address && isEdgeEventType(association.eventType)) {
        eventTypes.add(association.eventType);
      }
    }
    return eventTypes.size === 0 ? [] : functionViolations(fn, [...eventTypes], model);
  });
  return [...functionViolationsList, ...associations.flatMap((association) => associationViolations(association, model))];
}
