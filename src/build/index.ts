import { version as esbuildVersion } from "esbuild";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ModelArtifact } from "../config/models";
import type { EnvironmentConfig } from "../config/schema";
import { RUNTIME_CONFIG_FILE } from "../../handlers/shared/runtime-config";
import {
  buildCodeVersion,
  cachedZipMatches,
  hashFiles,
  readCacheRecord,
  removeStaleTemporaries,
  sha256,
  writeCacheRecord,
  writeFileAtomic,
} from "./cache";
import { BuildError } from "./errors";
import { bundleHandler, LAMBDA_HANDLER } from "./esbuild-bundle";
import { checkModelsLoad, readModelFiles, readModelQueryInputs, type ModelBytes } from "./model-files";
import { ortPackageVersion, selectOrtRuntimeFiles, LAMBDA_NATIVE_DIR, type BundleSourceFile } from "./ort-package";
import { terminalProgress, type Progress } from "./progress";
import {
  bundledModelPath,
  carriesModel,
  generateRuntimeConfig,
  HANDLER_FUNCTIONS,
  serializeRuntimeConfig,
  type HandlerFunction,
} from "./runtime-config";
import { formatBytes, sizeBudgetProblems } from "./size-budget";
import type { HandlerBundle, HandlerBundles } from "./types";
import { DEFAULT_COMPRESSION_LEVEL, deterministicZip, type ZipFile } from "./zip";
import { generateViewerRequestCode, queryParameterNames, type ViewerRequestModel } from "./viewer-request-code";

export { BuildError } from "./errors";
export type { HandlerBundle, HandlerBundles } from "./types";
export type { HandlerFunction } from "./runtime-config";
export { queryParameterNames, VIEWER_REQUEST_CODE_LIMIT_BYTES, type ViewerRequestModel } from "./viewer-request-code";

/** Entry point of each function's handler, relative to the project root. */
export const HANDLER_ENTRIES: Readonly<Record<HandlerFunction, string>> = {
  edge: "handlers/edge/index.ts",
  regional: "handlers/api/index.ts",
};

export interface BuildHandlerBundlesOptions {
  readonly projectRoot: string;
  readonly config: EnvironmentConfig;
  readonly models: readonly ModelArtifact[];
  /** Defaults to <projectRoot>/.build-cache. */
  readonly cacheDir?: string;
  /** Defaults to stderr: live on a terminal, one line per bundle otherwise. */
  readonly progress?: Progress;
}

interface SharedInputs {
  readonly projectRoot: string;
  readonly config: EnvironmentConfig;
  readonly models: readonly ModelArtifact[];
  readonly modelFiles: readonly ModelBytes[];
  readonly fingerprint: object;
  readonly cacheDir: string;
  readonly progress: Progress;
  ortFiles(): Promise<BundleSourceFile[]>;
  modelsLoad(): Promise<void>;
}

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= make());
}

// The same for every environment of one synth: traced (a child process) and hashed once per process.
const ortFilesByRoot = new Map<string, () => Promise<BundleSourceFile[]>>();
let buildCode: string | undefined;

function ortFilesFor(projectRoot: string): () => Promise<BundleSourceFile[]> {
  let files = ortFilesByRoot.get(projectRoot);
  if (!files) ortFilesByRoot.set(projectRoot, (files = once(() => selectOrtRuntimeFiles(projectRoot))));
  return files;
}

/**
 * Builds the edge and regional handler zips for one environment, reusing a cached zip when the
 * content of every input is unchanged. Throws BuildError listing every problem found.
 */
export async function buildHandlerBundles(options: BuildHandlerBundlesOptions): Promise<HandlerBundles> {
  const projectRoot = resolve(options.projectRoot);
  const modelFiles = readModelFiles(projectRoot, options.models);
  const shared: SharedInputs = {
    projectRoot,
    config: options.config,
    models: options.models,
    modelFiles,
    fingerprint: {
      buildCode: (buildCode ??= buildCodeVersion()),
      esbuild: esbuildVersion,
      onnxruntimeNode: ortPackageVersion(projectRoot),
      nativeDir: LAMBDA_NATIVE_DIR,
      compressionLevel: DEFAULT_COMPRESSION_LEVEL,
      tsconfig: hashFiles(projectRoot, ["tsconfig.json"]),
    },
    cacheDir: resolve(options.cacheDir ?? join(projectRoot, ".build-cache")),
    progress: options.progress ?? terminalProgress(),
    ortFiles: ortFilesFor(projectRoot),
    modelsLoad: once(() => checkModelsLoad(modelFiles)),
  };

  // One function at a time: building both at once saves about a second but holds two sets of
  // compressor workers and buffers, which pushed a cold synth past 400 MB.
  const built: Partial<Record<HandlerFunction, HandlerBundle>> = {};
  const problems = new Set<string>();
  for (const fn of HANDLER_FUNCTIONS) {
    try {
      built[fn] = await buildOne(fn, shared);
    } catch (error) {
      if (!(error instanceof BuildError)) throw error;
      for (const problem of error.problems) problems.add(problem);
    }
  }
  if (problems.size > 0) throw new BuildError([...problems]);
  return built as HandlerBundles;
}

async function buildOne(fn: HandlerFunction, shared: SharedInputs): Promise<HandlerBundle> {
  const started = Date.now();
  const { projectRoot, config, progress } = shared;
  const entry = HANDLER_ENTRIES[fn];
  const dir = join(shared.cacheDir, "handlers", config.environment, fn);
  const zipPath = join(dir, `${fn}.zip`);
  const sourceMapPath = join(dir, `${fn}.js.map`);
  const carried = shared.modelFiles.filter(({ model }) => carriesModel(fn, model));
  const runtimeConfig = generateRuntimeConfig(config, shared.models, fn);
  const runtimeConfigText = serializeRuntimeConfig(runtimeConfig);

  const inputHash = (sources: readonly string[]) =>
    sha256(
      JSON.stringify({
        ...shared.fingerprint,
        fn,
        entry,
        sources: hashFiles(projectRoot, sources),
        models: carried.map(({ model }) => [bundledModelPath(model.name), model.sha256]),
        runtimeConfig: runtimeConfigText,
      }),
    ).toString("hex");

  const bundleFrom = (record: { zipSha256Hex: string; zipBytes: number; unzippedBytes: number; fileCount: number }, cached: boolean): HandlerBundle => {
    const problems = sizeBudgetProblems(fn, record.zipBytes, record.unzippedBytes);
    if (problems.length > 0) throw new BuildError(problems);
    progress.done(`${fn}: ${formatBytes(record.zipBytes)} zipped, ${record.fileCount} files, ${cached ? "unchanged" : "built"} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return {
      fn,
      zipPath,
      sourceMapPath,
      sha256Hex: record.zipSha256Hex,
      sourceCodeHash: Buffer.from(record.zipSha256Hex, "hex").toString("base64"),
      zipBytes: record.zipBytes,
      unzippedBytes: record.unzippedBytes,
      fileCount: record.fileCount,
      handler: LAMBDA_HANDLER,
      runtimeConfig,
      cached,
    };
  };

  progress.step(`${fn}: checking inputs`);
  const previous = readCacheRecord(dir);
  if (previous && previous.inputHash === inputHash(previous.sources) && existsSync(sourceMapPath) && cachedZipMatches(zipPath, previous)) {
    return bundleFrom(previous, true);
  }

  progress.step(`${fn}: bundling ${entry}`);
  const bundled = await bundleHandler(projectRoot, entry, `${fn} handler`);
  progress.step(`${fn}: loading models with ONNX Runtime`);
  await shared.modelsLoad();
  progress.step(`${fn}: selecting onnxruntime-node files`);
  const ortFiles = await shared.ortFiles();

  const files: ZipFile[] = [
    { path: "index.js", data: bundled.code },
    { path: RUNTIME_CONFIG_FILE, data: Buffer.from(runtimeConfigText, "utf8") },
    ...carried.map(({ model, bytes }) => ({ path: bundledModelPath(model.name), data: bytes })),
    ...ortFiles.map(({ source, path }) => ({ path, data: readFileSync(source), handOver: true })),
  ];
  const unzippedBytes = files.reduce((total, file) => total + file.data.length, 0);
  progress.step(`${fn}: zipping ${files.length} files`);
  const zip = await deterministicZip(files);
  const record = {
    inputHash: inputHash(bundled.inputs),
    sources: bundled.inputs,
    zipSha256Hex: sha256(zip).toString("hex"),
    zipBytes: zip.length,
    unzippedBytes,
    fileCount: files.length,
  };
  const bundle = bundleFrom(record, false);
  removeStaleTemporaries(dir);
  writeFileAtomic(zipPath, zip);
  writeFileAtomic(sourceMapPath, bundled.sourceMap);
  writeCacheRecord(dir, record);
  return bundle;
}

/** The viewer-request CloudFront Function of one environment, and the models it knows. */
export interface ViewerRequestCode {
  /** ES5 source for aws_cloudfront_function.code (runtime cloudfront-js-2.0). */
  readonly code: string;
  readonly bytes: number;
  /** In name order. */
  readonly models: readonly ViewerRequestModel[];
  /** Per model, the query parameters of its canonical GET query: what the cache policy's allow-list must hold. */
  readonly queryParameterNames: Readonly<Record<string, readonly string[]>>;
}

/**
 * Generates the viewer-request function for every configured model, edge or regional: each model's
 * current version and its GET inputs, read from the ONNX file as the runtime reads them. Throws
 * BuildError for unreadable or unservable models and for code over CloudFront's size limit.
 */
export async function buildViewerRequestCode(options: { readonly projectRoot: string; readonly models: readonly ModelArtifact[] }): Promise<ViewerRequestCode> {
  const projectRoot = resolve(options.projectRoot);
  const described = await readModelQueryInputs(readModelFiles(projectRoot, options.models));
  const models = described
    .map(({ model, queryInputs }) => ({ name: model.name, version: model.version, queryInputs }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const code = generateViewerRequestCode(projectRoot, models);
  return {
    code,
    bytes: Buffer.byteLength(code, "utf8"),
    models,
    queryParameterNames: Object.fromEntries(models.map((model) => [model.name, queryParameterNames(model)])),
  };
}
