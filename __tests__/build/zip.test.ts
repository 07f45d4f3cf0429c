import { execFileSync } from "node:child_process";
import { unzipSync } from "fflate";
import { PROJECT_ROOT } from "./temp-project";
import { DIRECTORY_ATTRIBUTES, FILE_ATTRIBUTES, deterministicZip, fixedZipDate } from "../../src/build/zip";

interface CentralEntry {
  name: string;
  madeByOs: number;
  dosTime: number;
  dosDate: number;
  extraLength: number;
  localExtraLength: number;
  commentLength: number;
  externalAttributes: number;
  method: number;
}

/** Reads the central directory as PKWARE's APPNOTE (4.3.12) lays it out. */
function centralDirectory(zip: Uint8Array): CentralEntry[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const end = zip.length - 22;
  expect(view.getUint32(end, true)).toBe(0x06054b50);
  expect(view.getUint16(end + 20, true)).toBe(0); // archive comment length
  const count = view.getUint16(end + 10, true);
  let offset = view.getUint32(end + 16, true);
  const entries: CentralEntry[] = [];
  for (let i = 0; i < count; i++) {
    expect(view.getUint32(offset, true)).toBe(0x02014b50);
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    const localOffset = view.getUint32(offset + 42, true);
    entries.push({
      name: Buffer.from(zip.subarray(offset + 46, offset + 46 + nameLength)).toString("utf8"),
      madeByOs: view.getUint8(offset + 5),
      method: view.getUint16(offset + 10, true),
      dosTime: view.getUint16(offset + 12, true),
      dosDate: view.getUint16(offset + 14, true),
      extraLength,
      localExtraLength: view.getUint16(localOffset + 28, true),
      commentLength,
      externalAttributes: view.getUint32(offset + 38, true),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

const text = (value: string) => new TextEncoder().encode(value);

const FILES = [
  { path: "node_modules/pkg/b.js", data: text("module.exports = 2;\n") },
  { path: "index.js", data: text("exports.handler = async () => 1;\n") },
  { path: "node_modules/pkg/a.js", data: text("module.exports = 1;\n") },
  { path: "runtime-config.json", data: text("{}\n") },
];

/**
 * Builds the zip in a fresh node process with TZ set: jest gives each test file its own copy of
 * process.env, so changing TZ here would not reach the process's time zone.
 */
function zipInTimeZone(zone: string): { zip: Buffer; offsetMinutes: number } {
  const script = `
    const { deterministicZip } = require(${JSON.stringify(require.resolve("../../src/build/zip"))});
    const files = ${JSON.stringify(FILES.map((file) => ({ path: file.path, text: Buffer.from(file.data).toString("utf8") })))};
    deterministicZip(files.map((file) => ({ path: file.path, data: Buffer.from(file.text) }))).then((zip) =>
      process.stdout.write(JSON.stringify({ zip: Buffer.from(zip).toString("base64"), offsetMinutes: new Date(2024, 0, 1).getTimezoneOffset() })));
  `;
  const stdout = execFileSync(process.execPath, ["--require", "tsx/cjs", "-e", script], { cwd: PROJECT_ROOT, env: { ...process.env, TZ: zone } });
  const parsed = JSON.parse(stdout.toString("utf8")) as { zip: string; offsetMinutes: number };
  return { zip: Buffer.from(parsed.zip, "base64"), offsetMinutes: parsed.offsetMinutes };
}

describe("deterministicZip", () => {
  it("orders entries by path, with an entry for every directory", async () => {
    expect(centralDirectory(await deterministicZip(FILES)).map((entry) => entry.name)).toEqual([
      "index.js",
      "node_modules/",
      "node_modules/pkg/",
      "node_modules/pkg/a.js",
      "node_modules/pkg/b.js",
      "runtime-config.json",
    ]);
  });

  it("gives the same bytes whatever order the files come in", async () => {
    expect(Buffer.from(await deterministicZip([...FILES].reverse())).equals(Buffer.from(await deterministicZip(FILES)))).toBe(true);
  });

  it("stores unix modes 0644 for files and 0755 for directories, made by unix, with no extra fields or comments", async () => {
    for (const entry of centralDirectory(await deterministicZip(FILES))) {
      const directory = entry.name.endsWith("/");
      expect(entry.madeByOs).toBe(3);
      expect(entry.externalAttributes >>> 16).toBe(directory ? 0o40755 : 0o100644);
      expect(entry.externalAttributes).toBe(directory ? DIRECTORY_ATTRIBUTES : FILE_ATTRIBUTES);
      expect(entry.extraLength).toBe(0);
      expect(entry.localExtraLength).toBe(0);
      expect(entry.commentLength).toBe(0);
      expect(entry.method).toBe(directory ? 0 : 8);
    }
  });

  it("stores 1980-01-01 00:00:00 as the DOS time in time zones on both sides of UTC", async () => {
    const zones = ["Pacific/Kiritimati", "America/Los_Angeles", "Asia/Kolkata"];
    const results = zones.map(zipInTimeZone);
    // Proves each process really ran in a different zone; otherwise the test would prove nothing.
    expect(new Set(results.map((result) => result.offsetMinutes)).size).toBe(zones.length);
    const zips = results.map((result) => result.zip);
    expect(zips[0].equals(Buffer.from(await deterministicZip(FILES)))).toBe(true);
    for (const zip of zips.slice(1)) expect(zip.equals(zips[0])).toBe(true);
    for (const entry of centralDirectory(zips[0])) {
      expect(entry.dosDate).toBe((0 << 9) | (1 << 5) | 1); // year 1980 + 0, January, day 1
      expect(entry.dosTime).toBe(0);
    }
    expect(fixedZipDate().getFullYear()).toBe(1980);
  });

  it("round-trips the file contents", async () => {
    const unzipped = unzipSync(await deterministicZip(FILES));
    for (const file of FILES) expect(Buffer.from(unzipped[file.path]).equals(Buffer.from(file.data))).toBe(true);
  });

  it("gives the same bytes when large buffers are handed over, and never detaches a view into a shared buffer", async () => {
    // Large enough that fflate deflates them in a worker, the only place a buffer can be moved.
    const large = () => Buffer.from(Array.from({ length: 400_000 }, (_, index) => (index * 7919) % 251));
    const expected = Buffer.from(await deterministicZip([{ path: "lib/big.so", data: large() }, { path: "index.js", data: text("x") }]));

    const owned = large();
    const handed = Buffer.from(await deterministicZip([{ path: "lib/big.so", data: owned, handOver: true }, { path: "index.js", data: text("x") }]));
    expect(handed.equals(expected)).toBe(true);
    expect(owned.buffer.byteLength).toBe(0); // moved to the worker, not copied

    const shared = new Uint8Array(1_000_000);
    const view = shared.subarray(100_000, 500_000);
    view.set(large());
    const fromView = Buffer.from(await deterministicZip([{ path: "lib/big.so", data: view, handOver: true }, { path: "index.js", data: text("x") }]));
    expect(fromView.equals(expected)).toBe(true);
    expect(shared.buffer.byteLength).toBe(1_000_000);
  });

  it("rejects paths that could escape the archive root or collide", async () => {
    await expect(deterministicZip([{ path: "../evil.js", data: text("") }])).rejects.toThrow(/"\.\.\/evil\.js"/);
    await expect(deterministicZip([{ path: "/abs.js", data: text("") }])).rejects.toThrow(/relative posix/);
    await expect(deterministicZip([{ path: "a.js", data: text("") }, { path: "a.js", data: text("") }])).rejects.toThrow(/listed twice/);
    await expect(deterministicZip([{ path: "a", data: text("") }, { path: "a/b.js", data: text("") }])).rejects.toThrow(/both a file and a directory/);
  });
});
