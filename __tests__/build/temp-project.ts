import { SHARED_FIXTURES } from "../shared-fixtures";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { resolveModels, type ModelArtifact } from "../../src/config/models";
import { environmentConfigSchema, type EnvironmentConfig, type ServingMode } from "../../src/config/schema";

export const PROJECT_ROOT = resolve(__dirname, "../..");
export { SHARED_FIXTURES };
export const IRIS_MODEL_DIR = join(PROJECT_ROOT, "models/iris");
export const MATMUL_MODEL = join(SHARED_FIXTURES, "models/ort-quickstart-matmul.onnx");

export interface TempProject {
  readonly root: string;
  readonly config: EnvironmentConfig;
  models(): ModelArtifact[];
}

export interface ModelSource {
  /** A folder to copy (model.onnx and model.json) or a single .onnx file. */
  readonly from: string;
  readonly serve: ServingMode;
}

/**
 * A copy of the parts of the project a handler build reads (handlers/, tsconfig.json,
 * package.json), with node_modules symlinked and its own models folder, in a fresh temp dir.
 */
export function makeTempProject(models: Record<string, ModelSource>, options: { parent?: string; environment?: string } = {}): TempProject {
  const root = mkdtempSync(join(options.parent ?? tmpdir(), "edge-inference-build-"));
  cpSync(join(PROJECT_ROOT, "handlers"), join(root, "handlers"), { recursive: true });
  for (const file of ["tsconfig.json", "package.json"]) cpSync(join(PROJECT_ROOT, file), join(root, file));
  symlinkSync(join(PROJECT_ROOT, "node_modules"), join(root, "node_modules"), "dir");
  for (const [name, source] of Object.entries(models)) {
    const dir = join(root, "models", name);
    mkdirSync(dir, { recursive: true });
    if (source.from.endsWith(".onnx")) cpSync(source.from, join(dir, "model.onnx"));
    else for (const file of ["model.onnx", "model.json"]) {
      try {
        cpSync(join(source.from, file), join(dir, file));
      } catch {
        // model.json is optional
      }
    }
  }
  const raw = JSON.parse(readFileSync(join(PROJECT_ROOT, "config/dev.json"), "utf8"));
  raw.environment = options.environment ?? "test";
  raw.models = Object.fromEntries(Object.entries(models).map(([name, source]) => [name, { serve: source.serve }]));
  const config = environmentConfigSchema.parse(raw);
  return {
    root,
    config,
    models() {
      const { artifacts, problems } = resolveModels(join(root, "models"), config.models, "test");
      if (problems.length > 0) throw new Error(problems.join("\n"));
      return artifacts;
    },
  };
}

export function writeProjectFile(project: TempProject, path: string, text: string): void {
  mkdirSync(join(project.root, path, ".."), { recursive: true });
  writeFileSync(join(project.root, path), text);
}
