import type { HandlerFunction } from "./runtime-config";

const MiB = 1024 * 1024;

/** Lambda@Edge quota "maximum compressed size of a Lambda function and any included libraries": 50 MB for origin-request. */
export const EDGE_ZIP_LIMIT_BYTES = 50 * MiB;
/** Lambda's limit for a zip uploaded directly (not from S3): 50 MB. */
export const REGIONAL_ZIP_LIMIT_BYTES = 50 * MiB;
/** Lambda's limit on a deployment package's unzipped size; AWS reports it as 262144000 bytes. */
export const UNZIPPED_LIMIT_BYTES = 250 * MiB;

export function zipLimitBytes(fn: HandlerFunction): number {
  return fn === "edge" ? EDGE_ZIP_LIMIT_BYTES : REGIONAL_ZIP_LIMIT_BYTES;
}

export function formatBytes(bytes: number): string {
  return `${(bytes / MiB).toFixed(2)} MiB (${bytes.toLocaleString("en-US")} bytes)`;
}

/** Problems, one line each, when a function's zip breaks an AWS size limit. */
export function sizeBudgetProblems(fn: HandlerFunction, zipBytes: number, unzippedBytes: number): string[] {
  const problems: string[] = [];
  const zipLimit = zipLimitBytes(fn);
  const what = fn === "edge" ? "edge function (Lambda@Edge origin-request)" : "regional function";
  if (zipBytes > zipLimit) {
    problems.push(`${what}: zip is ${formatBytes(zipBytes)}, over the ${formatBytes(zipLimit)} limit; serve large models "regional" or shrink them`);
  }
  if (unzippedBytes > UNZIPPED_LIMIT_BYTES) {
    problems.push(`${what}: unzipped size is ${formatBytes(unzippedBytes)}, over Lambda's ${formatBytes(UNZIPPED_LIMIT_BYTES)} limit`);
  }
  return problems;
}
