import { S3Backend, TerraformStack } from "cdktf";
import type { EnvironmentConfig } from "../config/schema";

/**
 * S3 remote state with S3-native locking. cdktf 0.21's S3BackendConfig predates Terraform 1.10's
 * `use_lockfile`, so it is added as an override; Terraform >= 1.11 is required to read it.
 */
export function useRemoteState(stack: TerraformStack, state: EnvironmentConfig["state"]): S3Backend {
  const backend = new S3Backend(stack, {
    bucket: state.bucket,
    key: state.key,
    region: state.region,
    encrypt: true,
  });
  backend.addOverride("use_lockfile", true);
  return backend;
}
