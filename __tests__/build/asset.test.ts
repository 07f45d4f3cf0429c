import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { App, TerraformStack, Testing } from "cdktf";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { handlerAsset } from "../../src/build/asset";
import { sha256 } from "../../src/build/cache";
import type { HandlerBundle } from "../../src/build/types";

describe("handlerAsset", () => {
  const dir = mkdtempSync(join(tmpdir(), "edge-inference-asset-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function bundle(): HandlerBundle {
    const zipPath = join(dir, "edge.zip");
    const bytes = Buffer.from("PK\u0005\u0006" + "\u0000".repeat(18), "latin1");
    writeFileSync(zipPath, bytes);
    const digest = sha256(bytes);
    return {
      fn: "edge",
      zipPath,
      sourceMapPath: join(dir, "edge.js.map"),
      sha256Hex: digest.toString("hex"),
      sourceCodeHash: digest.toString("base64"),
      zipBytes: bytes.length,
      unzippedBytes: 0,
      fileCount: 0,
      handler: "index.handler",
      runtimeConfig: { schemaVersion: 1, models: [], cache: { unversionedTtlSeconds: 300, versionedTtlSeconds: 31_536_000 } },
      cached: false,
    };
  }

  it("copies the zip byte for byte as a FILE asset and gives Lambda its base64 sha256", () => {
    const built = bundle();
    const outdir = mkdtempSync(join(dir, "out-"));
    const app = new App({ outdir, stackTraces: false });
    const stack = new TerraformStack(app, "test");
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    const code = handlerAsset(stack, "edge-code", built);
    new LambdaFunction(stack, "edge", {
      functionName: "edge",
      role: "arn:aws:iam::111111111111:role/edge",
      runtime: "nodejs22.x",
      handler: built.handler,
      filename: code.path,
      sourceCodeHash: code.sourceCodeHash,
    });

    expect(code.path).toBe(`assets/edge-code/${built.sha256Hex}/edge.zip`);
    expect(code.sourceCodeHash).toBe(Buffer.from(built.sha256Hex, "hex").toString("base64"));
    expect(Testing.synth(stack, true)).toHaveResourceWithProperties(LambdaFunction, {
      filename: code.path,
      source_code_hash: code.sourceCodeHash,
      handler: "index.handler",
    });

    app.synth();
    const copied = readFileSync(join(outdir, "stacks", "test", code.path));
    expect(copied.equals(readFileSync(built.zipPath))).toBe(true);
  });
});
