import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export function sha256(bytes: Uint8Array | string): Buffer {
  return createHash("sha256").update(bytes).digest();
}

/** Content hashes of files relative to `root`; a missing file hashes as "missing", so deleting it is a change too. */
export function hashFiles(root: string, paths: readonly string[]): Array<[string, string]> {
  return [...paths].sort().map((path) => {
    const file = join(root, path);
    return [path, existsSync(file) ? sha256(readFileSync(file)).toString("hex") : "missing"];
  });
}

/** Hash of this folder's source, so a change to how bundles are made invalidates every cached bundle. */
export function buildCodeVersion(): string {
  const files = readdirSync(__dirname)
    .filter((name) => /\.(ts|js)$/.test(name) && !name.endsWith(".d.ts"))
    .sort();
  return sha256(JSON.stringify(hashFiles(__dirname, files))).toString("hex");
}

/** Writes through a temporary name in the same folder and renames, so readers never see half a file. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    writeFileSync(temporary, data, { mode: 0o644 });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** Removes temporary files a killed build left behind. */
export function removeStaleTemporaries(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (/\.tmp-\d+-[0-9a-f]{8}$/.test(name)) rmSync(join(dir, name), { force: true });
  }
}

/** What a cached bundle was built from and what it is; the record is written last, so it commits the entry. */
export interface CacheRecord {
  readonly inputHash: string;
  /** Handler source files esbuild read in this build, relative to the project root. */
  readonly sources: readonly string[];
  readonly zipSha256Hex: string;
  readonly zipBytes: number;
  readonly unzippedBytes: number;
  readonly fileCount: number;
}

export const RECORD_FILE = "build.json";

export function readCacheRecord(dir: string): CacheRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(join(dir, RECORD_FILE), "utf8")) as CacheRecord;
    return typeof record.inputHash === "string" && Array.isArray(record.sources) ? record : undefined;
  } catch {
    return undefined;
  }
}

export function writeCacheRecord(dir: string, record: CacheRecord): void {
  writeFileAtomic(join(dir, RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

/** The cached zip when it still has the bytes its record names; anything else is a miss. */
export function cachedZipMatches(zipPath: string, record: CacheRecord): boolean {
  if (!existsSync(zipPath)) return false;
  return sha256(readFileSync(zipPath)).toString("hex") === record.zipSha256Hex;
}
