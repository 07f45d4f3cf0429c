import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Testing } from "cdktf";
import { join } from "node:path";
import { loadEnvironment } from "../../src/config/load";
import { expectAllPublicAccessBlocked } from "../constructs/assertions";
import { BootstrapStateStack } from "../../src/stacks/bootstrap-state-stack";

const ROOT = join(__dirname, "..", "..");
const { config } = loadEnvironment("prod", { configDir: join(ROOT, "config"), modelsRoot: join(ROOT, "models") });

describe("BootstrapStateStack", () => {
  // toBeValidTerraform would shell out to `terraform validate`; there is no terraform binary here.
  const json = Testing.synth(new BootstrapStateStack(Testing.app(), "state-prod", { config }), true);
  const parsed = JSON.parse(json);

  it("keeps its own state local, since the bucket it creates does not exist yet", () => {
    expect(parsed.terraform.backend).toEqual({ local: { path: "terraform.state-prod.tfstate" } });
  });

  it("creates the configured state bucket, protected from destroy", () => {
    expect(json).toHaveResourceWithProperties(S3Bucket, {
      bucket: config.state.bucket,
      force_destroy: false,
      lifecycle: { prevent_destroy: true },
    });
    expect(json).toHaveResourceWithProperties(S3BucketVersioningA, { versioning_configuration: { status: "Enabled" } });
    expectAllPublicAccessBlocked(json);
  });

  it("puts the bucket in the state region of the configured account", () => {
    const providers = parsed.provider.aws as Array<Record<string, any>>;
    const regional = providers.find((provider) => provider.alias === undefined)!;
    expect(regional.region).toBe(config.state.region);
    expect(regional.allowed_account_ids).toEqual([config.account]);
    expect(regional.default_tags).toEqual([{ tags: config.tags }]);
  });

  it("outputs the bucket name", () => {
    expect(Object.keys(parsed.output)).toContain("state_bucket_name");
  });
});
