/** bench/results.json is replaced whole: a reader never sees half of it. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileAtomically } from "../../../ops/bench/index";

describe("writeFileAtomically", () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "edge-inference-bench-results-"));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("replaces the file by a rename, leaving no temporary file", () => {
    const file = join(dir, "results.json");
    writeFileSync(file, '{"old":true}\n');
    const before = statSync(file).ino;
    writeFileAtomically(file, '{"new":true}\n');
    expect(readFileSync(file, "utf8")).toBe('{"new":true}\n');
    // A new inode: whoever had the old file open keeps reading the old, complete results.
    expect(statSync(file).ino).not.toBe(before);
    expect(readdirSync(dir)).toEqual(["results.json"]);
  });

  it("leaves the previous results and no temporary file when it cannot write", () => {
    const file = join(dir, "results.json");
    writeFileSync(file, '{"old":true}\n');
    expect(() => writeFileAtomically(join(dir, "missing", "results.json"), "{}")).toThrow();
    expect(readFileSync(file, "utf8")).toBe('{"old":true}\n');
    expect(readdirSync(dir)).toEqual(["results.json"]);
  });
});
