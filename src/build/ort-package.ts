import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import { promisify } from "node:util";
import { BuildError } from "./errors";

export const ORT_PACKAGE = "onnxruntime-node";
/** Lambda runs x86_64 Linux; other platforms' binaries (about 270 MB of the package) must not ship. */
export const LAMBDA_NATIVE_DIR = "bin/napi-v6/linux/x64";

/** A file to copy into a bundle: where it is on disk and its posix path inside the bundle. */
export interface BundleSourceFile {
  readonly source: string;
  readonly path: string;
}

function ortPackageDir(projectRoot: string): string {
  const requireFromProject = createRequire(join(projectRoot, "package.json"));
  try {
    return dirname(realpathSync(requireFromProject.resolve(`${ORT_PACKAGE}/package.json`)));
  } catch {
    throw new BuildError([`${ORT_PACKAGE} is not installed under ${projectRoot}; run npm ci`]);
  }
}

export function ortPackageVersion(projectRoot: string): string {
  return (JSON.parse(readFileSync(join(ortPackageDir(projectRoot), "package.json"), "utf8")) as { version: string }).version;
}

// Runs in a fresh node process: load the package the way a handler does, then list every module file node read.
const TRACE_SCRIPT = `
const { createRequire } = require("node:module");
const requireFromProject = createRequire(process.argv[1] + "/package.json");
requireFromProject("${ORT_PACKAGE}");
process.stdout.write("\\n" + JSON.stringify(Object.keys(require.cache)));
`;

/**
 * The files of onnxruntime-node a handler needs at run time: the JavaScript that loading the
 * package actually requires (its dist/ and onnxruntime-common's CommonJS build, found by loading it
 * in a fresh process, so install-time dependencies such as adm-zip stay out), every package.json
 * on the way (node reads them for "type" and "main"), and the linux-x64 native libraries.
 */
export async function selectOrtRuntimeFiles(projectRoot: string): Promise<BundleSourceFile[]> {
  const packageDir = ortPackageDir(projectRoot);
  // node keys its module cache by real path, so a symlinked node_modules must be compared the same way.
  const nodeModules = dirname(packageDir);
  let traced: string[];
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ["-e", TRACE_SCRIPT, projectRoot], {
      cwd: projectRoot,
      env: { ...process.env, NODE_OPTIONS: "", NODE_PATH: "" },
      maxBuffer: 16 * 1024 * 1024,
    });
    traced = JSON.parse(stdout.trim().split("\n").pop() ?? "[]") as string[];
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim().split("\n")[0] ?? (error as Error).message;
    throw new BuildError([`loading ${ORT_PACKAGE} to find the files it needs at run time failed: ${detail}`]);
  }

  const sources = new Set<string>();
  for (const file of traced) {
    if (file.endsWith(".node")) continue;
    const inBundle = relative(nodeModules, file);
    if (inBundle.startsWith("..") || inBundle === file) {
      throw new BuildError([`${ORT_PACKAGE} loads ${file}, which is outside ${nodeModules}; the bundle cannot carry it`]);
    }
    sources.add(file);
    for (let dir = dirname(file); dir.startsWith(nodeModules + sep); dir = dirname(dir)) {
      const manifest = join(dir, "package.json");
      if (existsSync(manifest)) sources.add(manifest);
    }
  }
  const nativeDir = join(packageDir, ...LAMBDA_NATIVE_DIR.split("/"));
  if (!existsSync(nativeDir)) {
    throw new BuildError([`${nativeDir} is missing; ${ORT_PACKAGE} was installed without its linux-x64 binaries`]);
  }
  for (const name of readdirSync(nativeDir)) {
    const file = join(nativeDir, name);
    if (statSync(file).isFile()) sources.add(file);
  }
  return [...sources]
    .map((source) => ({ source, path: ["node_modules", ...relative(nodeModules, source).split(sep)].join("/") }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
