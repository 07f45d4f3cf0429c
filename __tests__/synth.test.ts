import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ConfigError } from "../src/config/errors";
import { synthesize } from "../src/synth";

const ROOT = join(__dirname, "..");
/** What `npm run synth` reads: everything else in a checkout is irrelevant to its output. */
const SYNTH_INPUTS = ["main.ts", "cdktf.json", "tsconfig.json", "package.json", "config", "src", "handlers", "models"];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((entry) => statSync(join(dir, entry)).isFile())
    .sort();
}

/** A copy of the synth inputs with node_modules linked, as a fresh clone would have after `npm ci`. */
function copyProject(mtime?: Date): string {
  const dir = mkdtempSync(join(tmpdir(), "edge-inference-project-"));
  for (const entry of SYNTH_INPUTS) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  if (mtime) {
    for (const file of filesUnder(dir).filter((file) => !file.startsWith("node_modules"))) utimesSync(join(dir, file), mtime, mtime);
  }
  return dir;
}

function runSynth(projectDir: string, env: NodeJS.ProcessEnv = {}): ReturnType<typeof spawnSync> {
  return spawnSync("sh", ["-c", `umask ${env.UMASK ?? "022"} && exec node_modules/.bin/tsx main.ts`], {
    cwd: projectDir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: "utf8",
    timeout: 240_000,
  });
}

describe("synthesize", () => {
  it("writes every environment's stacks and leaves no staging directory behind", async () => {
    const parent = mkdtempSync(join(tmpdir(), "edge-inference-out-"));
    const outdir = join(parent, "cdktf.out");
    try {
      const { stacks } = await synthesize({ projectRoot: ROOT, outdir });
      expect(stacks).toEqual(["state-dev", "inference-dev", "state-prod", "inference-prod"]);
      for (const stack of stacks) {
        const json = JSON.parse(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));
        expect(json.terraform.required_providers.aws.version).toBe("6.25.0");
      }
      expect(existsSync(join(outdir, "manifest.json"))).toBe(true);
      expect(readdirSync(parent)).toEqual(["cdktf.out"]);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  }, 240_000);

  it("keeps Terraform's own files (local state, providers, lock file) across a new synth", async () => {
    const parent = mkdtempSync(join(tmpdir(), "edge-inference-out-"));
    const outdir = join(parent, "cdktf.out");
    const stackDir = join(outdir, "stacks", "state-dev");
    try {
      await synthesize({ projectRoot: ROOT, outdir, environments: ["dev"] });
      writeFileSync(join(stackDir, "terraform.state-dev.tfstate"), '{"version":4}');
      writeFileSync(join(stackDir, ".terraform.lock.hcl"), "# lock");
      mkdirSync(join(stackDir, ".terraform", "providers"), { recursive: true });
      writeFileSync(join(stackDir, "stale.txt"), "not Terraform's");
      await synthesize({ projectRoot: ROOT, outdir, environments: ["dev"] });
      expect(readFileSync(join(stackDir, "terraform.state-dev.tfstate"), "utf8")).toBe('{"version":4}');
      expect(existsSync(join(stackDir, ".terraform.lock.hcl"))).toBe(true);
      expect(existsSync(join(stackDir, ".terraform", "providers"))).toBe(true);
      expect(existsSync(join(stackDir, "stale.txt"))).toBe(false);
      expect(existsSync(join(stackDir, "cdk.tf.json"))).toBe(true);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  }, 240_000);

  it("leaves the previous output untouched when the config is wrong", async () => {
    const project = copyProject();
    const outdir = join(project, "cdktf.out");
    mkdirSync(outdir);
    writeFileSync(join(outdir, "previous.txt"), "from the last good synth");
    const devFile = join(project, "config", "dev.json");
    writeFileSync(devFile, JSON.stringify({ ...JSON.parse(readFileSync(devFile, "utf8")), region: "moon-1" }));
    try {
      await expect(synthesize({ projectRoot: project, outdir })).rejects.toBeInstanceOf(ConfigError);
      expect(readdirSync(outdir)).toEqual(["previous.txt"]);
      expect(readdirSync(project).filter((entry) => entry.includes("staging"))).toEqual([]);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it("fails `npm run synth` with one line per problem and no stack trace", () => {
    const project = copyProject();
    const devFile = join(project, "config", "dev.json");
    const config = JSON.parse(readFileSync(devFile, "utf8"));
    writeFileSync(devFile, JSON.stringify({ ...config, region: "moon-1", models: { ...config.models, resnet: { serve: "edge" } } }));
    try {
      const result = runSynth(project);
      expect(result.status).toBe(1);
      const lines = String(result.stderr).trim().split("\n");
      expect(lines[0]).toBe("synth failed: 2 problems");
      expect(lines[1]).toMatch(/^  config\/dev\.json: region: unknown AWS region "moon-1"; allowed: /);
      expect(lines[2]).toBe("  config/dev.json: models.resnet: no folder models/resnet; add models/resnet/model.onnx or remove the entry");
      expect(lines).toHaveLength(3);
      expect(existsSync(join(project, "cdktf.out"))).toBe(false);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  }, 60_000);

  it("produces byte-identical output from two copies with different mtimes, umask, time zone and time", () => {
    const first = copyProject(new Date("2001-02-03T04:05:06Z"));
    const second = copyProject(new Date("2030-12-31T23:59:59Z"));
    try {
      const a = runSynth(first, { UMASK: "022", TZ: "UTC" });
      expect(a.stderr).toContain("synthesized");
      const b = runSynth(second, { UMASK: "077", TZ: "Pacific/Kiritimati" });
      expect(b.stderr).toContain("synthesized");
      const outA = join(first, "cdktf.out");
      const outB = join(second, "cdktf.out");
      const files = filesUnder(outA);
      expect(filesUnder(outB)).toEqual(files);
      expect(files).toEqual(expect.arrayContaining(["stacks/inference-dev/cdk.tf.json", "stacks/state-prod/cdk.tf.json"]));
      expect(files.filter((file) => file.endsWith(".zip")).length).toBeGreaterThan(0);
      const differing = files.filter((file) => !readFileSync(join(outA, file)).equals(readFileSync(join(outB, file))));
      expect(differing).toEqual([]);
      for (const file of files.filter((file) => file.endsWith(".json"))) {
        expect(readFileSync(join(outA, file), "utf8")).not.toContain(first);
      }
      expect(relative(first, outA)).toBe("cdktf.out");
    } finally {
      rmSync(first, { recursive: true, force: true });
      rmSync(second, { recursive: true, force: true });
    }
  }, 300_000);
});
