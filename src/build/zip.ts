import { zip, type AsyncZippable, type AsyncZipOptions } from "fflate";

/** One file to put in a zip, at a posix path relative to the archive root. */
export interface ZipFile {
  readonly path: string;
  readonly data: Uint8Array;
  /**
   * The caller read this buffer for the zip alone: fflate may move it to a compressor worker instead
   * of copying it (the buffer is then detached). That copy of ORT's 46 MB library was ~70 MiB of a
   * cold synth's peak RSS. Only a buffer that owns its whole ArrayBuffer is ever moved, never a view
   * into Node's shared pool.
   */
  readonly handOver?: boolean;
}

/**
 * fflate reads the DOS timestamp with local-time getters (getFullYear, getHours, ...), so the date
 * is built with the local-time constructor: every time zone then stores 1980-01-01 00:00:00.
 */
export function fixedZipDate(): Date {
  return new Date(1980, 0, 1, 0, 0, 0, 0);
}

const UNIX = 3;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const MSDOS_DIRECTORY = 0x10;
export const FILE_ATTRIBUTES = ((S_IFREG | 0o644) << 16) >>> 0;
export const DIRECTORY_ATTRIBUTES = (((S_IFDIR | 0o755) << 16) | MSDOS_DIRECTORY) >>> 0;

/**
 * Level 6 (zlib's default): on ORT's 45.8 MB libonnxruntime.so, level 9 saves 11 KB (0.06 %) and
 * takes 35 % longer (2.3 s against 1.7 s); level 1 costs 1 MB more for 0.6 s less.
 */
export const DEFAULT_COMPRESSION_LEVEL = 6;

function checkPath(path: string): void {
  if (path === "" || path.startsWith("/") || path.endsWith("/") || path.includes("\\") || path.split("/").some((part) => part === "" || part === "." || part === "..")) {
    throw new Error(`zip entry "${path}": must be a relative posix file path without empty, "." or ".." segments`);
  }
  // Object keys that look like array indices are enumerated first, whatever the insertion order.
  if (/^(0|[1-9]\d*)$/.test(path)) throw new Error(`zip entry "${path}": an all-digit name at the archive root is not supported`);
}

function ownsWholeBuffer(data: Uint8Array): boolean {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
}

/**
 * A zip whose bytes depend only on the file paths and contents: entries sorted by path with an
 * explicit entry for every directory, one fixed timestamp, fixed unix modes (0644 files, 0755
 * directories), no extra fields and no comments. fflate's asynchronous zip deflates large files
 * in worker threads (same bytes as zipSync), so the edge and regional zips compress in parallel.
 */
export async function deterministicZip(files: readonly ZipFile[], level: AsyncZipOptions["level"] = DEFAULT_COMPRESSION_LEVEL): Promise<Uint8Array> {
  const mtime = fixedZipDate();
  const byPath = new Map<string, ZipFile>();
  const directories = new Set<string>();
  for (const file of files) {
    checkPath(file.path);
    if (byPath.has(file.path)) throw new Error(`zip entry "${file.path}": listed twice`);
    byPath.set(file.path, file);
    const parts = file.path.split("/");
    for (let depth = 1; depth < parts.length; depth++) directories.add(`${parts.slice(0, depth).join("/")}/`);
  }
  for (const directory of directories) {
    if (byPath.has(directory.slice(0, -1))) throw new Error(`zip entry "${directory.slice(0, -1)}": is both a file and a directory`);
  }
  const entries: Array<[string, Uint8Array, AsyncZipOptions]> = [
    ...[...directories].map((path): [string, Uint8Array, AsyncZipOptions] => [path, new Uint8Array(0), { level: 0, mtime, os: UNIX, attrs: DIRECTORY_ATTRIBUTES }]),
    ...[...byPath].map(([path, file]): [string, Uint8Array, AsyncZipOptions] => [
      path,
      file.data,
      { level, mtime, os: UNIX, attrs: FILE_ATTRIBUTES, consume: file.handOver === true && ownsWholeBuffer(file.data) },
    ]),
  ];
  // Byte-wise order, so the result does not depend on the collation of the machine that builds it.
  entries.sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const zippable: AsyncZippable = {};
  for (const [path, data, options] of entries) zippable[path] = [data, options];
  return await new Promise((resolve, reject) => zip(zippable, {}, (error, archive) => (error ? reject(error) : resolve(archive))));
}
