import { build, type Message } from "esbuild";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BuildError } from "./errors";
import { ORT_PACKAGE } from "./ort-package";

export const BUNDLE_TARGET = "node22";
/** Lambda's handler setting for every bundle: `index.js` at the zip root exporting `handler`. */
export const LAMBDA_HANDLER = "index.handler";

export interface BundledHandler {
  readonly code: Uint8Array;
  readonly sourceMap: Uint8Array;
  /** Posix paths, relative to the project root, of every file esbuild read. */
  readonly inputs: readonly string[];
}

function describe(message: Message): string {
  const where = message.location ? `${message.location.file}:${message.location.line}:${message.location.column}: ` : "";
  return `${where}${message.text}`;
}

/**
 * Bundles one handler entry into a single minified CommonJS file for Node 22. onnxruntime-node
 * stays external because its native library is loaded from a path relative to its own files.
 */
export async function bundleHandler(projectRoot: string, entry: string, label: string): Promise<BundledHandler> {
  if (!existsSync(join(projectRoot, entry))) {
    throw new BuildError([`${label}: entry point ${entry} does not exist`]);
  }
  try {
    const result = await build({
      absWorkingDir: projectRoot,
      entryPoints: [entry],
      // Never written; naming it at the project root keeps the source map's paths relative to the project.
      outfile: join(projectRoot, "index.js"),
      write: false,
      bundle: true,
      platform: "node",
      format: "cjs",
      target: BUNDLE_TARGET,
      minify: true,
      sourcemap: "external",
      external: [ORT_PACKAGE],
      define: { "process.env.NODE_ENV": '"production"' },
      metafile: true,
      logLevel: "silent",
    });
    const code = result.outputFiles.find((file) => file.path.endsWith(".js"));
    const sourceMap = result.outputFiles.find((file) => file.path.endsWith(".js.map"));
    if (!code || !sourceMap) throw new BuildError([`${label}: esbuild produced no output for ${entry}`]);
    const inputs = Object.keys(result.metafile.inputs)
      .filter((input) => existsSync(join(projectRoot, input)))
      .sort();
    return { code: code.contents, sourceMap: sourceMap.contents, inputs };
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors;
    if (!Array.isArray(errors) || errors.length === 0) throw error;
    throw new BuildError(errors.map((message) => `${label}: ${describe(message)}`));
  }
}
