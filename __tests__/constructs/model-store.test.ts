import type {} from "cdktf/lib/testing/adapters/jest";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { CloudfrontDistribution, type CloudfrontDistributionConfig } from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { TerraformStack, Testing } from "cdktf";
import { SHARED_FIXTURES } from "../shared-fixtures";
import { expectPrivateBucketBaseline, synthWarnings } from "./assertions";
import { resolveModels, type ModelArtifact } from "../../src/config/models";
import { ModelStore, type ModelStoreProps } from "../../src/constructs/model-store";

const FIXTURES = join(SHARED_FIXTURES, "models");
const MNIST = join(FIXTURES, "mnist.onnx");
const TITANIC = join(FIXTURES, "pipeline_titanic_nozipmap.onnx");
const TITANIC_MANIFEST = JSON.stringify({ version: "2024-06-01", labels: { output_label: ["died", "survived"] } });
const DISTRIBUTION_ARN = "arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL";
const OTHER_DISTRIBUTION_ARN = "arn:aws:cloudfront::123456789012:distribution/E1OTHERDISTRO";
const KMS_KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

const tempRoots: string[] = [];
afterAll(() => tempRoots.forEach((root) => rmSync(root, { recursive: true, force: true })));

/** A models/ folder like the repository's: mnist without a manifest, titanic with one that names a version. */
function modelsFolder(): { root: string; artifacts: ModelArtifact[] } {
  const root = mkdtempSync(join(tmpdir(), "model-store-"));
  tempRoots.push(root);
  const models = join(root, "models");
  mkdirSync(join(models, "mnist"), { recursive: true });
  mkdirSync(join(models, "titanic"), { recursive: true });
  copyFileSync(MNIST, join(models, "mnist", "model.onnx"));
  copyFileSync(TITANIC, join(models, "titanic", "model.onnx"));
  writeFileSync(join(models, "titanic", "model.json"), TITANIC_MANIFEST);
  const { artifacts, problems } = resolveModels(models, { mnist: { serve: "edge" }, titanic: { serve: "regional" } }, "config/test.json");
  expect(problems).toEqual([]);
  return { root, artifacts };
}

function stackWith(props: Partial<ModelStoreProps> = {}) {
  const { root, artifacts } = modelsFolder();
  const stack = new TerraformStack(Testing.app(), "inference");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const store = new ModelStore(stack, "model_store", {
    models: artifacts,
    bucketPrefix: "edge-inference-models-",
    noncurrentVersionExpirationDays: 30,
    ...props,
  });
  return { stack, store, root, artifacts };
}

interface SynthesizedObject {
  key: string;
  source: string;
  source_hash: string;
  content_type: string;
  lifecycle?: { create_before_destroy?: boolean };
  depends_on?: string[];
}

function objectsByKey(synth: string): Map<string, SynthesizedObject> {
  const objects = Object.values(JSON.parse(synth).resource.aws_s3_object) as SynthesizedObject[];
  return new Map(objects.map((object) => [object.key, object]));
}

function bucketArnReference(synth: string): string {
  return `\${aws_s3_bucket.${Object.keys(JSON.parse(synth).resource.aws_s3_bucket)[0]}.arn}`;
}

function statements(synth: string): Record<string, unknown>[] {
  const documents = Object.values(JSON.parse(synth).data.aws_iam_policy_document) as { statement: Record<string, unknown>[] }[];
  return documents.flatMap((document) => document.statement);
}


/** A distribution is needed only for its ARN attribute; its required blocks do not matter to these tests. */
function distribution(stack: TerraformStack): CloudfrontDistribution {
  return new CloudfrontDistribution(stack, "distribution", {} as CloudfrontDistributionConfig);
}

describe("ModelStore bucket", () => {
  const { stack } = stackWith();
  const synth = Testing.synth(stack, true);

  it("is a private bucket: versioned, AES256 by default, all public access blocked, ACLs off, TLS only", () => {
    expectPrivateBucketBaseline(synth);
    expect(statements(synth)).toEqual([
      expect.objectContaining({ sid: "DenyInsecureTransport", effect: "Deny", actions: ["s3:*"] }),
    ]);
  });

  it("expires replaced model versions after the configured number of days", () => {
    const [configuration] = Object.values(JSON.parse(synth).resource.aws_s3_bucket_lifecycle_configuration) as { rule: unknown[] }[];
    expect(synth).toHaveResource(S3BucketLifecycleConfiguration);
    expect(configuration.rule).toMatchObject([{ filter: [{}], noncurrent_version_expiration: [{ noncurrent_days: 30 }] }]);
  });

  it("switches to SSE-KMS when given a key", () => {
    const { stack: kmsStack } = stackWith({ kmsKeyArn: KMS_KEY_ARN });
    expect(Testing.synth(kmsStack, true)).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: KMS_KEY_ARN }, bucket_key_enabled: true }],
    });
  });
});

describe("ModelStore objects", () => {
  const { stack, store, root } = stackWith();
  const synth = Testing.synth(stack, true);
  const objects = objectsByKey(synth);
  const mnistVersion = sha256(MNIST).slice(0, 12);

  it("uploads each model file under models/<name>/<version>/, and model.json when there is one", () => {
    expect([...objects.keys()].sort()).toEqual([
      `models/mnist/${mnistVersion}/model.onnx`,
      "models/titanic/2024-06-01/model.json",
      "models/titanic/2024-06-01/model.onnx",
    ]);
    expect(store.modelKeyPrefix).toBe("models/");
    expect(store.objectKey("mnist")).toBe(`models/mnist/${mnistVersion}/model.onnx`);
    expect(store.manifestKey("mnist")).toBeUndefined();
    expect(store.manifestKey("titanic")).toBe("models/titanic/2024-06-01/model.json");
  });

  it("sets source_hash to each file's sha256, so a changed file is a plan change", () => {
    expect(objects.get(store.objectKey("mnist"))?.source_hash).toBe(sha256(MNIST));
    expect(objects.get(store.objectKey("titanic"))?.source_hash).toBe(sha256(TITANIC));
    expect(objects.get("models/titanic/2024-06-01/model.json")?.source_hash).toBe(
      createHash("sha256").update(TITANIC_MANIFEST).digest("hex"),
    );
  });

  it("sets content types", () => {
    expect(objects.get(store.objectKey("mnist"))?.content_type).toBe("application/octet-stream");
    expect(objects.get("models/titanic/2024-06-01/model.json")?.content_type).toBe("application/json");
  });

  it("uploads a new version before deleting the old one, and only after bucket encryption is set", () => {
    const encryption = Object.keys(JSON.parse(synth).resource.aws_s3_bucket_server_side_encryption_configuration)[0];
    for (const object of objects.values()) {
      expect(object.lifecycle).toEqual({ create_before_destroy: true });
      expect(object.depends_on).toContain(`aws_s3_bucket_server_side_encryption_configuration.${encryption}`);
    }
  });

  it("references sources by relative, content-hashed asset paths, never a machine path", () => {
    for (const object of objects.values()) {
      expect(object.source).toMatch(/^assets\/[A-Za-z0-9_-]+\/[0-9A-F]{32}\/model\.(onnx|json)$/);
    }
    expect(synth).not.toContain("/work/");
    expect(synth).not.toContain(process.cwd());
    expect(synth).not.toContain(root);
    expect(synth).not.toContain(tmpdir());
  });

  it("exposes each uploaded object by model name", () => {
    expect([...store.models.keys()]).toEqual(["mnist", "titanic"]);
    expect(store.models.get("titanic")?.manifestObject).toBeDefined();
    expect(store.models.get("mnist")?.manifestObject).toBeUndefined();
  });

  it("names the known models when asked for an unknown one", () => {
    expect(() => store.objectKey("resnet")).toThrow('no model named "resnet"; uploaded models: mnist, titanic');
  });

  it("refuses two models with the same name", () => {
    const { artifacts } = modelsFolder();
    const stackWithDuplicates = new TerraformStack(Testing.app(), "duplicates");
    expect(
      () =>
        new ModelStore(stackWithDuplicates, "model_store", {
          models: [...artifacts, artifacts[0]],
          noncurrentVersionExpirationDays: 30,
        }),
    ).toThrow("model names must be unique; repeated: mnist");
  });
});

describe("ModelStore synthesized output", () => {
  function fullSynth(): { outdir: string; stackDir: string; json: string } {
    const { stack } = stackWith();
    const outdir = Testing.fullSynth(stack);
    tempRoots.push(outdir);
    const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
    const stackFile = join(outdir, manifest.stacks.inference.synthesizedStackPath);
    return { outdir, stackDir: dirname(stackFile), json: readFileSync(stackFile, "utf8") };
  }

  it("copies each file next to cdk.tf.json, where its relative source path points", () => {
    const { stackDir, json } = fullSynth();
    const objects = objectsByKey(json);
    for (const object of objects.values()) {
      expect(sha256(join(stackDir, object.source))).toBe(object.source_hash);
    }
  });

  it("is byte-identical from two different checkouts of the same models", () => {
    const first = fullSynth();
    const second = fullSynth();
    expect(second.json).toBe(first.json);
  });
});

describe("ModelStore.grantDistributionRead", () => {
  it("allows only s3:GetObject on models/* to CloudFront, only for the given distribution", () => {
    const { stack, store } = stackWith();
    store.grantDistributionRead(DISTRIBUTION_ARN);
    const synth = Testing.synth(stack, true);
    expect(synth).toHaveDataSource(DataAwsIamPolicyDocument);
    const grant = statements(synth).find((statement) => statement.sid === "AllowCloudFrontReadModels");
    expect(grant).toEqual({
      sid: "AllowCloudFrontReadModels",
      effect: "Allow",
      principals: [{ type: "Service", identifiers: ["cloudfront.amazonaws.com"] }],
      actions: ["s3:GetObject"],
      resources: [`${bucketArnReference(synth)}/models/*`],
      condition: [{ test: "StringEquals", variable: "AWS:SourceArn", values: [DISTRIBUTION_ARN] }],
    });
    expect(statements(synth).map((statement) => statement.sid)).toEqual(["DenyInsecureTransport", "AllowCloudFrontReadModels"]);
    expect(Object.keys(JSON.parse(synth).resource.aws_s3_bucket_policy)).toHaveLength(1);
  });

  it("takes the distribution's arn attribute, and granting the same distribution again changes nothing", () => {
    const { stack, store } = stackWith();
    const cdn = distribution(stack);
    store.grantDistributionRead(cdn.arn);
    store.grantDistributionRead(cdn.arn);
    const synth = Testing.synth(stack, true);
    const grants = statements(synth).filter((statement) => statement.sid === "AllowCloudFrontReadModels");
    expect(grants).toHaveLength(1);
    expect(grants[0].condition).toEqual([
      { test: "StringEquals", variable: "AWS:SourceArn", values: ["${aws_cloudfront_distribution.distribution.arn}"] },
    ]);
  });

  it("refuses a second distribution, naming both", () => {
    const { stack, store } = stackWith();
    store.grantDistributionRead(DISTRIBUTION_ARN);
    expect(() => store.grantDistributionRead(OTHER_DISTRIBUTION_ARN)).toThrow(
      `read is already granted to distribution ${DISTRIBUTION_ARN}; a model store serves one distribution, so it cannot also grant ${OTHER_DISTRIBUTION_ARN}`,
    );
    expect(() => store.grantDistributionRead(distribution(stack).arn)).toThrow(
      "cannot also grant ${aws_cloudfront_distribution.distribution.arn}",
    );
  });

  it("refuses something that is not a distribution ARN", () => {
    const { store } = stackWith();
    expect(() => store.grantDistributionRead("E2QWRUHAPOMQZL")).toThrow(/needs a CloudFront distribution ARN/);
  });

  it("warns that the key policy must let CloudFront decrypt when the models are KMS-encrypted", () => {
    const { stack, store } = stackWith({ kmsKeyArn: KMS_KEY_ARN });
    expect(synthWarnings(stack)).toEqual([]);
    store.grantDistributionRead(DISTRIBUTION_ARN);
    expect(synthWarnings(stack)).toEqual([expect.stringContaining(`encrypted with ${KMS_KEY_ARN}`)]);
  });
});

describe("ModelStore.readPermissions", () => {
  function resolvedPermissions(props: Partial<ModelStoreProps>) {
    const { stack, store } = stackWith(props);
    new DataAwsIamPolicyDocument(stack, "function_role_policy", {
      statement: store.readPermissions().map(({ actions, resources }) => ({ effect: "Allow", actions: [...actions], resources: [...resources] })),
    });
    const synth = Testing.synth(stack, true);
    const document = JSON.parse(synth).data.aws_iam_policy_document.function_role_policy as { statement: unknown[] };
    return { arn: bucketArnReference(synth), statements: document.statement };
  }

  it("is s3:GetObject on models/* with SSE-S3", () => {
    const { arn, statements: granted } = resolvedPermissions({});
    expect(granted).toEqual([{ effect: "Allow", actions: ["s3:GetObject"], resources: [`${arn}/models/*`] }]);
  });

  it("adds kms:Decrypt on the bucket key with SSE-KMS", () => {
    const { arn, statements: granted } = resolvedPermissions({ kmsKeyArn: KMS_KEY_ARN });
    expect(granted).toEqual([
      { effect: "Allow", actions: ["s3:GetObject"], resources: [`${arn}/models/*`] },
      { effect: "Allow", actions: ["kms:Decrypt"], resources: [KMS_KEY_ARN] },
    ]);
  });
});
