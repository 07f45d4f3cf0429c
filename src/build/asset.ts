import { AssetType, TerraformAsset } from "cdktf";
import type { Construct } from "constructs";
import type { HandlerBundle } from "./types";

export interface HandlerAsset {
  readonly asset: TerraformAsset;
  /** For aws_lambda_function.filename: the zip's path inside the synthesized stack folder. */
  readonly path: string;
  /** For aws_lambda_function.source_code_hash: base64 sha256 of the zip, the form Lambda reports as CodeSha256. */
  readonly sourceCodeHash: string;
}

/**
 * Hands a built zip to Terraform as a FILE asset (copied byte for byte), not an ARCHIVE asset,
 * whose zips embed file mtimes and so differ on every synth.
 */
export function handlerAsset(scope: Construct, id: string, bundle: HandlerBundle): HandlerAsset {
  const asset = new TerraformAsset(scope, id, {
    path: bundle.zipPath,
    type: AssetType.FILE,
    assetHash: bundle.sha256Hex,
  });
  return { asset, path: asset.path, sourceCodeHash: bundle.sourceCodeHash };
}
