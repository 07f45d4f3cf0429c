/**
 * No false drift, end to end (SLOW: two clean clones, two synths; about 30 s or more on a cold
 * build cache). Everything that feeds a plan must be byte-identical when the same commit is
 * synthesized twice in different directories: cdk.tf.json, the manifest, the handler zips, the
 * models. A difference would show up as a change in every plan and as drift every night.
 *
 * Only committed files are in a clone, so this tests HEAD, not uncommitted work in the tree.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SHARED_FIXTURES } from "../shared-fixtures";

const ROOT = join(__dirname, "..", "..");
const SHARED = join(SHARED_FIXTURES, "..");

function git(args: string[], cwd: string): string {
  const result = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout.trim();
}

/**
 * <tmp>/<nesting...>/main is a fresh clone of HEAD, with the shared folder beside it as
 * <tmp>/<nesting...>/shared (as CI lays it out).
 */
function cleanClone(nesting: readonly string[]): { parent: string; project: string } {
  const parent = mkdtempSync(join(tmpdir(), "edge-inference-clone-"));
  const base = join(parent, ...nesting);
  mkdirSync(base, { recursive: true });
  const project = join(base, "main");
  git(["clone", "--quiet", "--no-hardlinks", git(["rev-parse", "--show-toplevel"], ROOT), project], base);
  symlinkSync(SHARED, join(base, "shared"));
  // Installed packages are not part of the commit; linking them stands in for `npm ci`.
  symlinkSync(join(ROOT, "node_modules"), join(project, "node_modules"));
  return { parent, project };
}

function synth(project: string): void {
  const env: NodeJS.ProcessEnv = { HOME: process.env.HOME, PATH: process.env.PATH, EDGE_INFERENCE_ENVS: "dev" };
  const result = spawnSync(process.execPath, [join(project, "node_modules", "tsx", "dist", "cli.mjs"), "main.ts"], {
    cwd: project,
    env,
    encoding: "utf8",
    timeout: 400_000,
  });
  if (result.status !== 0) throw new Error(`synth failed in ${project}:\n${result.stderr}`);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((entry) => statSync(join(dir, entry)).isFile())
    .sort();
}

describe("no false drift (slow: clones HEAD twice and synthesizes both)", () => {
  const clones: string[] = [];
  afterAll(() => {
    for (const dir of clones) rmSync(dir, { recursive: true, force: true });
  });

  it("synthesizes byte-identical output from two clean clones in different directories", () => {
    // Different directories at different depths, so an absolute path leaking into the output cannot match by chance.
    const first = cleanClone([]);
    clones.push(first.parent);
    const second = cleanClone(["a", "deeper", "checkout"]);
    clones.push(second.parent);

    synth(first.project);
    synth(second.project);

    const firstOut = join(first.project, "cdktf.out");
    const secondOut = join(second.project, "cdktf.out");
    const files = filesUnder(firstOut);
    expect(files).toEqual(filesUnder(secondOut));
    expect(files).toEqual(expect.arrayContaining(["stacks/inference-dev/cdk.tf.json", "stacks/state-dev/cdk.tf.json", "manifest.json"]));
    expect(files.some((file) => file.endsWith(".zip"))).toBe(true);
    const differing = files.filter((file) => !readFileSync(join(firstOut, file)).equals(readFileSync(join(secondOut, file))));
    expect(differing).toEqual([]);
    for (const file of files.filter((name) => name.endsWith(".json"))) {
      const text = readFileSync(join(firstOut, file), "utf8");
      expect(text).not.toContain(first.parent);
    }
  }, 900_000);
});
