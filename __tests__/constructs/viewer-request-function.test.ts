import { TerraformOutput, TerraformStack, Testing } from "cdktf";
import { CloudfrontFunction } from "@cdktf/provider-aws/lib/cloudfront-function";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { generateViewerRequestCode } from "../../src/build/viewer-request-code";
import { ViewerRequestFunction, type ViewerRequestFunctionProps } from "../../src/constructs/viewer-request-function";
import { PROJECT_ROOT } from "../build/temp-project";
import "cdktf/lib/testing/adapters/jest";
import { problemsOf } from "../problems";
import { onlyResource } from "./assertions";

const NAME = "edge-inference-dev-viewer-request";
const IRIS = { name: "iris", version: "1", queryInputs: [{ name: "features", datatype: "FP32", elements: 4 }] };

let code: string;

beforeAll(() => {
  code = generateViewerRequestCode(PROJECT_ROOT, [IRIS]);
});

function build(overrides: Partial<ViewerRequestFunctionProps> = {}) {
  const app = Testing.app();
  const stack = new TerraformStack(app, "inference-dev");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const usEast1 = new AwsProvider(stack, "us_east_1", { region: "us-east-1", alias: "us_east_1" });
  const fn = new ViewerRequestFunction(stack, "viewer_request", { name: NAME, code, provider: usEast1, ...overrides });
  const synthesized = Testing.synth(stack, true);
  return { stack, fn, synthesized, json: JSON.parse(synthesized) as Record<string, any> };
}


describe("ViewerRequestFunction", () => {
  test("is a published cloudfront-js-2.0 function whose code is the generated code, byte for byte", () => {
    const { synthesized, json } = build({ comment: "Versioned cache keys and the canonical GET query" });
    expect(synthesized).toHaveResourceWithProperties(CloudfrontFunction, {
      name: NAME,
      runtime: "cloudfront-js-2.0",
      publish: true,
      comment: "Versioned cache keys and the canonical GET query",
    });
    const fn = onlyResource(json, "aws_cloudfront_function")[1];
    expect(fn.code).toBe(code);
    expect(fn.key_value_store_associations).toBeUndefined();
  });

  test("uses the provider it is given", () => {
    const { json } = build();
    expect(onlyResource(json, "aws_cloudfront_function")[1].provider).toBe("aws.us_east_1");
  });

  test("exposes its ARN and a viewer-request association for the distribution's behaviors", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "inference-dev");
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    const fn = new ViewerRequestFunction(stack, "viewer_request", { name: NAME, code });
    new TerraformOutput(stack, "arn", { value: fn.arn });
    new TerraformOutput(stack, "association", { value: fn.association });
    const json = JSON.parse(Testing.synth(stack, true)) as Record<string, any>;
    const [address] = Object.keys(json.resource.aws_cloudfront_function);
    const arn = `\${aws_cloudfront_function.${address}.arn}`;
    expect(json.output.arn.value).toBe(arn);
    expect(json.output.association.value).toEqual({ eventType: "viewer-request", functionArn: arn });
  });

  test("synthesizes byte-identical JSON every time", () => {
    expect(build().synthesized).toBe(build().synthesized);
  });

  test("a model update changes the code, so Terraform republishes the function", () => {
    const updated = generateViewerRequestCode(PROJECT_ROOT, [{ ...IRIS, version: "2" }]);
    const before = onlyResource(build().json, "aws_cloudfront_function")[1];
    const after = onlyResource(build({ code: updated }).json, "aws_cloudfront_function")[1];
    expect(after.code).not.toBe(before.code);
    expect(after.code).toContain('"2"');
    expect(after.publish).toBe(true);
  });

  test("refuses, naming the construct and the fix, a bad name, empty or oversized code and a long comment", () => {
    expect(problemsOf(() => build({ name: "viewer request!" }))).toEqual([
      `ViewerRequestFunction inference-dev/viewer_request: name: "viewer request!" is not a CloudFront Function name; use 1-64 characters of A-Z, a-z, 0-9, '-' and '_'`,
    ]);
    expect(problemsOf(() => build({ name: "x".repeat(65) }))[0]).toMatch(/name: "x{65}" is not a CloudFront Function name/);
    expect(problemsOf(() => build({ code: "  " }))).toEqual([
      "ViewerRequestFunction inference-dev/viewer_request: code: is empty; pass the code from buildViewerRequestCode",
    ]);
    expect(problemsOf(() => build({ code: "function other(event) { return event.request; }" }))).toEqual([
      "ViewerRequestFunction inference-dev/viewer_request: code: defines no `function handler(event)`, which CloudFront Functions call",
    ]);
    expect(problemsOf(() => build({ code: `${code}\n//${"x".repeat(10 * 1024)}` }))).toEqual([
      expect.stringMatching(/^ViewerRequestFunction inference-dev\/viewer_request: code: [\d,]+ bytes, over CloudFront Functions' limit of 10,240; /),
    ]);
    expect(problemsOf(() => build({ comment: "c".repeat(129) }))).toEqual([
      "ViewerRequestFunction inference-dev/viewer_request: comment: 129 characters, over CloudFront's limit of 128",
    ]);
  });
});
