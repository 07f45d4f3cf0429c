import { Token, type ITerraformDependable, type TerraformProvider } from "cdktf";
import { Construct } from "constructs";
import { CloudfrontFunction } from "@cdktf/provider-aws/lib/cloudfront-function";
import { ProblemsError } from "../problems";

/** CloudFront Functions quota "maximum function size": 10 KB of code. */
export const VIEWER_REQUEST_CODE_LIMIT_BYTES = 10 * 1024;
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const COMMENT_LIMIT = 128;

export const VIEWER_REQUEST_RUNTIME = "cloudfront-js-2.0";
export const VIEWER_REQUEST_EVENT_TYPE = "viewer-request";

export interface ViewerRequestFunctionProps {
  /** 1-64 characters of A-Z, a-z, 0-9, '-' and '_'. */
  readonly name: string;
  /** The generated source (buildViewerRequestCode in src/build), at most 10 KB. */
  readonly code: string;
  readonly comment?: string;
  /** CloudFront Functions are global; any AWS provider of the account will do. */
  readonly provider?: TerraformProvider;
  /**
   * What must exist before the new code goes live: the code sends viewers to the current model
   * versions, so the functions and model objects that serve them come first.
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * The viewer-request CloudFront Function that puts inference requests in their cache-key form:
 * versioned model paths and the canonical GET query. Published on every change (`publish`), since a
 * distribution runs a function's LIVE stage and the new code must take over with the new model versions.
 */
export class ViewerRequestFunction extends Construct {
  public readonly function: CloudfrontFunction;
  /** For function_association.function_arn. */
  public readonly arn: string;
  /** A function_association block for any cache behavior that should run it. */
  public readonly association: { readonly eventType: string; readonly functionArn: string };

  constructor(scope: Construct, id: string, props: ViewerRequestFunctionProps) {
    super(scope, id);
    const problems: string[] = [];
    if (!Token.isUnresolved(props.name) && !FUNCTION_NAME.test(props.name)) {
      problems.push(`name: "${props.name}" is not a CloudFront Function name; use 1-64 characters of A-Z, a-z, 0-9, '-' and '_'`);
    }
    if (!Token.isUnresolved(props.code)) {
      const bytes = Buffer.byteLength(props.code, "utf8");
      if (props.code.trim() === "") problems.push("code: is empty; pass the code from buildViewerRequestCode");
      else if (!/\bfunction handler\(/.test(props.code)) problems.push("code: defines no `function handler(event)`, which CloudFront Functions call");
      if (bytes > VIEWER_REQUEST_CODE_LIMIT_BYTES) {
        problems.push(`code: ${bytes.toLocaleString("en-US")} bytes, over CloudFront Functions' limit of ${VIEWER_REQUEST_CODE_LIMIT_BYTES.toLocaleString("en-US")}; serve fewer models through this distribution`);
      }
    }
    if (props.comment !== undefined && !Token.isUnresolved(props.comment) && props.comment.length > COMMENT_LIMIT) {
      problems.push(`comment: ${props.comment.length} characters, over CloudFront's limit of ${COMMENT_LIMIT}`);
    }
    if (problems.length > 0) {
      throw new ProblemsError(problems.map((problem) => `ViewerRequestFunction ${this.node.path}: ${problem}`));
    }

    this.function = new CloudfrontFunction(this, "function", {
      provider: props.provider,
      dependsOn: props.dependsOn ? [...props.dependsOn] : undefined,
      name: props.name,
      comment: props.comment,
      runtime: VIEWER_REQUEST_RUNTIME,
      code: props.code,
      publish: true,
    });
    this.arn = this.function.arn;
    this.association = { eventType: VIEWER_REQUEST_EVENT_TYPE, functionArn: this.arn };
  }
}
