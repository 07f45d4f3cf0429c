import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildHandlerBundles, BuildError } from "../../src/build/index";
import { silentProgress } from "../../src/build/progress";
import { IRIS_MODEL_DIR, makeTempProject, writeProjectFile, type TempProject } from "./temp-project";

const PLAIN_HANDLER = "export const handler = async () => ({ status: '200' });\n";

function withPlainHandlers(project: TempProject): TempProject {
  writeProjectFile(project, "handlers/edge/index.ts", PLAIN_HANDLER);
  writeProjectFile(project, "handlers/api/index.ts", PLAIN_HANDLER);
  return project;
}

async function buildError(project: TempProject, models = project.models()): Promise<BuildError> {
  try {
    await buildHandlerBundles({ projectRoot: project.root, config: project.config, models, progress: silentProgress });
  } catch (error) {
    if (error instanceof BuildError) return error;
    throw error;
  }
  throw new Error("expected the build to fail");
}

/** Every file under the cache, so a test can show nothing half-written was left behind. */
function cacheFiles(project: TempProject): string[] {
  const root = join(project.root, ".build-cache");
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

const projects: TempProject[] = [];
function project(): TempProject {
  const made = withPlainHandlers(makeTempProject({ iris: { from: IRIS_MODEL_DIR, serve: "edge" } }));
  projects.push(made);
  return made;
}
afterAll(() => {
  for (const made of projects) rmSync(made.root, { recursive: true, force: true });
});

describe("buildHandlerBundles on bad input", () => {
  it("names the model file when a model folder has lost its model.onnx", async () => {
    const p = project();
    const models = p.models();
    rmSync(join(p.root, "models/iris/model.onnx"));
    const error = await buildError(p, models);
    expect(error.problems).toEqual(["models/iris/model.onnx: missing; every model folder needs a model.onnx"]);
    expect(cacheFiles(p)).toEqual([]);
  });

  it("names the model file and the reason when it cannot be read", async () => {
    const p = project();
    const models = p.models();
    rmSync(join(p.root, "models/iris/model.onnx"));
    mkdirSync(join(p.root, "models/iris/model.onnx"));
    const error = await buildError(p, models);
    expect(error.problems).toEqual(["models/iris/model.onnx: cannot be read (EISDIR)"]);
  });

  it("names the model file and ONNX Runtime's reason when ONNX Runtime cannot load it", async () => {
    const p = project();
    writeFileSync(join(p.root, "models/iris/model.onnx"), "this is not a protobuf\n");
    const error = await buildError(p);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^models\/iris\/model\.onnx: ONNX Runtime cannot load it: .+/);
    expect(cacheFiles(p)).toEqual([]);
  });

  it("fails with esbuild's message, one line per error and no stack trace, when a handler does not bundle", async () => {
    const p = project();
    writeProjectFile(p, "handlers/edge/index.ts", 'import { nothing } from "./does-not-exist";\nexport const handler = nothing;\n');
    writeProjectFile(p, "handlers/api/index.ts", "export const handler = async () => {\n  return {;\n};\n");
    const error = await buildError(p);
    expect(error).toBeInstanceOf(BuildError);
    expect(error.problems).toEqual([
      'edge handler: handlers/edge/index.ts:1:24: Could not resolve "./does-not-exist"',
      'regional handler: handlers/api/index.ts:2:10: Expected identifier but found ";"',
    ]);
    expect(error.message).not.toMatch(/\n\s+at /);
    expect(cacheFiles(p)).toEqual([]);
  });

  it("reports a missing handler entry point", async () => {
    const p = project();
    rmSync(join(p.root, "handlers/api/index.ts"));
    rmSync(join(p.root, "handlers/edge/index.ts"));
    const error = await buildError(p);
    expect(error.problems).toEqual([
      "edge handler: entry point handlers/edge/index.ts does not exist",
      "regional handler: entry point handlers/api/index.ts does not exist",
    ]);
  });
});
