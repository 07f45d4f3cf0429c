import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { MANIFEST_FILE, MODEL_FILE, modelVersionOf, sha256Hex, type ModelManifest } from "../../handlers/shared/model-manifest";
import { describeIssue } from "./errors";
import { modelManifestSchema } from "../../handlers/shared/model-manifest-schema";
import type { ServingMode } from "./schema";

/** One model folder as infrastructure sees it: where its files are and which version they make. */
export interface ModelArtifact {
  readonly name: string;
  readonly serve: ServingMode;
  readonly directory: string;
  readonly modelPath: string;
  readonly manifestPath: string | undefined;
  readonly manifest: ModelManifest | undefined;
  readonly sha256: string;
  readonly version: string;
}

/** What is wrong with a configured model's folder, if anything; checks existence only and reads no file. */
export function modelFolderProblem(modelsRoot: string, name: string, configFile: string): string | undefined {
  const shown = (path: string) => relative(dirname(modelsRoot), path);
  const directory = join(modelsRoot, name);
  const modelPath = join(directory, MODEL_FILE);
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    return `${configFile}: models.${name}: no folder ${shown(directory)}; add models/${name}/${MODEL_FILE} or remove the entry`;
  }
  if (!existsSync(modelPath)) {
    return `${configFile}: models.${name}: ${shown(modelPath)} is missing; every model folder needs a ${MODEL_FILE}`;
  }
  return undefined;
}

/**
 * Resolves each configured model to its folder under `modelsRoot`. Returns problems instead of
 * throwing, so a config with several mistakes is reported in one go.
 */
export function resolveModels(
  modelsRoot: string,
  models: Readonly<Record<string, { serve: ServingMode }>>,
  configFile: string,
): { artifacts: ModelArtifact[]; problems: string[] } {
  const shown = (path: string) => relative(dirname(modelsRoot), path);
  const artifacts: ModelArtifact[] = [];
  const problems: string[] = [];
  for (const name of Object.keys(models).sort()) {
    const folderProblem = modelFolderProblem(modelsRoot, name, configFile);
    if (folderProblem) {
      problems.push(folderProblem);
      continue;
    }
    const directory = join(modelsRoot, name);
    const modelPath = join(directory, MODEL_FILE);
    let bytes: Buffer;
    try {
      bytes = readFileSync(modelPath);
    } catch (error) {
      problems.push(`${shown(modelPath)}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      continue;
    }
    const sha256 = sha256Hex(bytes);
    const manifestPath = join(directory, MANIFEST_FILE);
    let manifest: ModelManifest | undefined;
    if (existsSync(manifestPath)) {
      const shownManifest = shown(manifestPath);
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(manifestPath, "utf8"));
      } catch (error) {
        problems.push(`${shownManifest}: not valid JSON (${(error as Error).message})`);
        continue;
      }
      const parsed = modelManifestSchema.safeParse(raw);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) problems.push(describeIssue(shownManifest, issue));
        continue;
      }
      manifest = parsed.data;
    }
    artifacts.push({
      name,
      serve: models[name].serve,
      directory,
      modelPath,
      manifestPath: manifest ? manifestPath : undefined,
      manifest,
      sha256,
      version: modelVersionOf(sha256, manifest),
    });
  }
  return { artifacts, problems };
}
