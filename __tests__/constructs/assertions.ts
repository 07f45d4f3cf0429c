import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { AnnotationMetadataEntryType } from "cdktf";
import type { IConstruct } from "constructs";

/** The baseline every PrivateBucket must synthesize: versioned, SSE-S3, all public access blocked, ACLs off. */
export function expectPrivateBucketBaseline(synth: string): void {
  expect(synth).toHaveResourceWithProperties(S3BucketVersioningA, { versioning_configuration: { status: "Enabled" } });
  expect(synth).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
    rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }],
  });
  expectAllPublicAccessBlocked(synth);
  expect(synth).toHaveResourceWithProperties(S3BucketOwnershipControls, { rule: { object_ownership: "BucketOwnerEnforced" } });
}

export function expectAllPublicAccessBlocked(synth: string): void {
  expect(synth).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
    block_public_acls: true,
    block_public_policy: true,
    ignore_public_acls: true,
    restrict_public_buckets: true,
  });
}

/** Synth warnings (Annotations.addWarning) anywhere under `scope`. */
export function synthWarnings(scope: IConstruct): string[] {
  return scope.node
    .findAll()
    .flatMap((node) => node.node.metadata)
    .filter((entry) => entry.type === AnnotationMetadataEntryType.WARN)
    .map((entry) => String(entry.data));
}

/** The one entry of a synthesized block (the resources of one type, say), with its name; fails unless there is exactly one. */
export function onlyEntry<T = Record<string, any>>(block: Record<string, T> | undefined): [string, T] {
  const entries = Object.entries(block ?? {});
  expect(entries).toHaveLength(1);
  return entries[0];
}

/** The one resource of `type` in synthesized JSON, with its name. */
export function onlyResource(json: Record<string, any>, type: string): [string, Record<string, any>] {
  return onlyEntry<Record<string, any>>(json.resource?.[type]);
}
