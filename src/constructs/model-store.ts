import { readFileSync } from "node:fs";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import {
  Annotations,
  AssetType,
  DefaultTokenResolver,
  StringConcat,
  TerraformAsset,
  Token,
  Tokenization,
  type TerraformProvider,
} from "cdktf";
import { Construct } from "constructs";
import { MANIFEST_FILE, MODEL_FILE, sha256Hex } from "../../handlers/shared/model-manifest";
import type { ModelArtifact } from "../config/models";
import type { PolicyStatement } from "../defaults/iam";
import type { BucketPolicyStatement } from "../defaults/s3";
import { PrivateBucket } from "./private-bucket";

export const MODEL_KEY_PREFIX = "models/";
export const CLOUDFRONT_READ_SID = "AllowCloudFrontReadModels";

export interface UploadedModel {
  readonly artifact: ModelArtifact;
  readonly modelKey: string;
  readonly modelObject: S3Object;
  /** Present when the model folder has a model.json. */
  readonly manifestKey: string | undefined;
  readonly manifestObject: S3Object | undefined;
}

export interface ModelStoreProps {
  readonly models: readonly ModelArtifact[];
  /** The exact bucket name. Give this or `bucketPrefix`, not both. */
  readonly bucketName?: string;
  readonly bucketPrefix?: string;
  /** A customer-managed KMS key switches the bucket from SSE-S3 (AES256) to SSE-KMS. */
  readonly kmsKeyArn?: string;
  /** Replaced model versions are kept this long, so a rollback can still find them. */
  readonly noncurrentVersionExpirationDays: number;
  readonly tags?: Readonly<Record<string, string>>;
  readonly provider?: TerraformProvider;
}

const DISTRIBUTION_ARN = /^arn:aws[a-z-]*:cloudfront::\d{12}:distribution\/[A-Z0-9]+$/;

/** `models/<name>/<version>/<file>`: a new version is a new key, so a changed model shows in the plan as a replacement. */
export function modelObjectKey(name: string, version: string, file: string = MODEL_FILE): string {
  return `${MODEL_KEY_PREFIX}${name}/${version}/${file}`;
}

/**
 * The private bucket that holds the ONNX models, one S3 object per model file keyed by model name
 * and version. Read access goes to one CloudFront distribution (through OAC) and to the function
 * roles that take `readPermissions()`; to nothing else.
 */
export class ModelStore extends Construct {
  public readonly privateBucket: PrivateBucket;
  public readonly modelKeyPrefix = MODEL_KEY_PREFIX;
  /** Uploaded objects by model name. */
  public readonly models: ReadonlyMap<string, UploadedModel>;

  private grantedDistributionArn: string | undefined;

  constructor(scope: Construct, id: string, props: ModelStoreProps) {
    super(scope, id);
    const names = props.models.map((model) => model.name);
    const duplicates = names.filter((name, index) => names.indexOf(name) !== index);
    if (duplicates.length > 0) {
      throw new Error(`ModelStore ${this.node.path}: model names must be unique; repeated: ${[...new Set(duplicates)].join(", ")}`);
    }

    this.privateBucket = new PrivateBucket(this, "bucket", {
      bucketName: props.bucketName,
      bucketPrefix: props.bucketPrefix,
      kmsKeyArn: props.kmsKeyArn,
      noncurrentVersionExpirationDays: props.noncurrentVersionExpirationDays,
      tags: props.tags,
      provider: props.provider,
    });

    const uploaded = new Map<string, UploadedModel>();
    for (const artifact of props.models) {
      uploaded.set(artifact.name, this.upload(artifact, props.provider));
    }
    this.models = uploaded;
  }

  private upload(artifact: ModelArtifact, provider: TerraformProvider | undefined): UploadedModel {
    const { name, version } = artifact;
    const modelKey = modelObjectKey(name, version);
    const modelObject = this.uploadFile(`${name}_model`, artifact.modelPath, modelKey, artifact.sha256, "application/octet-stream", provider);
    if (artifact.manifestPath === undefined) {
      return { artifact, modelKey, modelObject, manifestKey: undefined, manifestObject: undefined };
    }
    const manifestKey = modelObjectKey(name, version, MANIFEST_FILE);
    const manifestObject = this.uploadFile(
      `${name}_manifest`,
      artifact.manifestPath,
      manifestKey,
      sha256Hex(readFileSync(artifact.manifestPath)),
      "application/json",
      provider,
    );
    return { artifact, modelKey, modelObject, manifestKey, manifestObject };
  }

  private uploadFile(
    id: string,
    path: string,
    key: string,
    sha256: string,
    contentType: string,
    provider: TerraformProvider | undefined,
  ): S3Object {
    // The asset is copied into the synth output and referenced by a relative, content-hashed path,
    // so cdk.tf.json is the same on every machine.
    const asset = new TerraformAsset(this, `${id}_file`, { path, type: AssetType.FILE });
    return new S3Object(this, id, {
      bucket: this.privateBucket.bucket.id,
      key,
      source: asset.path,
      sourceHash: sha256,
      contentType,
      // Objects written before default encryption is set would stay SSE-S3 under a KMS bucket.
      dependsOn: [this.privateBucket.encryption, this.privateBucket.ownershipControls],
      // A new version is a new key: upload it before deleting the old one, so readers never see neither.
      lifecycle: { createBeforeDestroy: true },
      provider,
    });
  }

  public get bucketName(): string {
    return this.privateBucket.bucket.bucket;
  }

  public get bucketArn(): string {
    return this.privateBucket.bucket.arn;
  }

  /** The origin domain for a CloudFront S3 origin. */
  public get bucketRegionalDomainName(): string {
    return this.privateBucket.bucket.bucketRegionalDomainName;
  }

  private uploaded(modelName: string): UploadedModel {
    const model = this.models.get(modelName);
    if (model === undefined) {
      const known = [...this.models.keys()].join(", ") || "(none)";
      throw new Error(`ModelStore ${this.node.path}: no model named "${modelName}"; uploaded models: ${known}`);
    }
    return model;
  }

  /** The S3 key of a model's model.onnx. */
  public objectKey(modelName: string): string {
    return this.uploaded(modelName).modelKey;
  }

  /** The S3 key of a model's model.json, or undefined when the model has none. */
  public manifestKey(modelName: string): string | undefined {
    return this.uploaded(modelName).manifestKey;
  }

  /**
   * Lets one CloudFront distribution read models/* through Origin Access Control, and nothing else.
   * A store serves one distribution: granting a second one throws.
   */
  public grantDistributionRead(distributionArn: string): void {
    if (!Token.isUnresolved(distributionArn) && !DISTRIBUTION_ARN.test(distributionArn)) {
      throw new Error(
        `ModelStore ${this.node.path}: grantDistributionRead needs a CloudFront distribution ARN (arn:aws:cloudfront::<account>:distribution/<id>), got ${JSON.stringify(distributionArn)}`,
      );
    }
    if (this.grantedDistributionArn !== undefined) {
      if (this.sameValue(this.grantedDistributionArn, distributionArn)) return;
      throw new Error(
        `ModelStore ${this.node.path}: read is already granted to distribution ${this.describe(this.grantedDistributionArn)}; a model store serves one distribution, so it cannot also grant ${this.describe(distributionArn)}. Put the second distribution on its own ModelStore.`,
      );
    }
    this.grantedDistributionArn = distributionArn;
    this.privateBucket.addToResourcePolicy(this.cloudFrontReadStatement(distributionArn));
    if (this.privateBucket.kmsKeyArn !== undefined) {
      Annotations.of(this).addWarning(
        `The models are encrypted with ${this.privateBucket.kmsKeyArn}. CloudFront can read them only if that key's policy allows kms:Decrypt to cloudfront.amazonaws.com with aws:SourceArn = the distribution ARN; this project does not manage the key policy.`,
      );
    }
  }

  private cloudFrontReadStatement(distributionArn: string): BucketPolicyStatement {
    return {
      sid: CLOUDFRONT_READ_SID,
      effect: "Allow",
      principals: [{ type: "Service", identifiers: ["cloudfront.amazonaws.com"] }],
      actions: ["s3:GetObject"],
      resources: [`${this.bucketArn}/${MODEL_KEY_PREFIX}*`],
      conditions: [{ test: "StringEquals", variable: "AWS:SourceArn", values: [distributionArn] }],
    };
  }

  /** What a function role needs to read the models: the objects, and the key when they are KMS-encrypted. */
  public readPermissions(): PolicyStatement[] {
    const permissions: { actions: string[]; resources: string[] }[] = [{ actions: ["s3:GetObject"], resources: [`${this.bucketArn}/${MODEL_KEY_PREFIX}*`] }];
    if (this.privateBucket.kmsKeyArn !== undefined) {
      permissions.push({ actions: ["kms:Decrypt"], resources: [this.privateBucket.kmsKeyArn] });
    }
    return permissions;
  }

  /** Two attribute references to the same resource are different token strings; compare what they resolve to. */
  private sameValue(left: string, right: string): boolean {
    return left === right || this.resolved(left) === this.resolved(right);
  }

  private describe(value: string): string {
    return Token.isUnresolved(value) ? this.resolved(value) : value;
  }

  private resolved(value: string): string {
    return String(Tokenization.resolve(value, { scope: this, resolver: new DefaultTokenResolver(new StringConcat()) }));
  }
}
