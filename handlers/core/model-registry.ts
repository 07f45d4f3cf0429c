import { resolve } from "node:path";
import * as ort from "onnxruntime-node";
import type { QueryInputSpec } from "../shared/canonical-query";
import type { ModelManifest } from "../shared/model-manifest";
import type { RuntimeConfig, RuntimeModelConfig } from "../shared/runtime-config";
import { oipDatatypeOf, type OipDatatype } from "./datatypes";
import { notFound, unavailable } from "./errors";
import type { RuntimeLogger } from "./logger";

/** One tensor as OIP metadata describes it; -1 marks a dynamic dimension. */
export interface TensorSpec {
  readonly name: string;
  readonly datatype: OipDatatype;
  readonly shape: readonly number[];
}

/** An output ONNX Runtime cannot hand back as a tensor (e.g. sklearn's ZipMap, a sequence of maps). */
export interface UnsupportedOutput {
  readonly name: string;
  readonly reason: string;
}

export interface ModelSignature {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly unsupportedOutputs: readonly UnsupportedOutput[];
  /** Outputs returned when a request names none. */
  readonly defaultOutputs: readonly string[];
  readonly defaultOutputSet: ReadonlySet<string>;
  /** Input specs for the GET form: element counts with the batch dimension set to 1. */
  readonly queryInputs: QueryInputSpec[];
  /** Lookups computed once per model, so a request builds no maps or sets of its own. */
  readonly inputsByName: ReadonlyMap<string, TensorSpec>;
  readonly outputsByName: ReadonlyMap<string, TensorSpec>;
  /** Each input's declared shape with the batch dimension set to 1: the shape of a GET request's tensor. */
  readonly batchOfOneShapes: ReadonlyMap<string, readonly number[]>;
}

export interface LoadedModel {
  readonly name: string;
  readonly version: string;
  readonly manifest: ModelManifest | undefined;
  readonly session: ort.InferenceSession;
  readonly signature: ModelSignature;
}

type ModelState =
  | { readonly kind: "unloaded" }
  | { readonly kind: "loading"; readonly promise: Promise<LoadedModel> }
  | { readonly kind: "ready"; readonly model: LoadedModel }
  | { readonly kind: "failed"; readonly reason: string };

interface RegistryEntry {
  readonly config: RuntimeModelConfig;
  state: ModelState;
}

/** Small models answer fastest on one thread; a Lambda sandbox serves one request at a time anyway. */
export const DEFAULT_SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
};

export function describeSignature(session: ort.InferenceSession, manifest: ModelManifest | undefined): ModelSignature {
  const inputs: TensorSpec[] = session.inputMetadata.map((meta) => {
    if (!meta.isTensor) throw new Error(`input '${meta.name}' is not a tensor, which OIP cannot send`);
    const datatype = oipDatatypeOf(meta.type);
    if (!datatype) throw new Error(`input '${meta.name}' has ONNX type ${meta.type}, which this runtime cannot accept`);
    return { name: meta.name, datatype, shape: meta.shape.map(toDim) };
  });
  const outputs: TensorSpec[] = [];
  const unsupportedOutputs: UnsupportedOutput[] = [];
  for (const meta of session.outputMetadata) {
    const datatype = meta.isTensor ? oipDatatypeOf(meta.type) : undefined;
    if (meta.isTensor && datatype) {
      outputs.push({ name: meta.name, datatype, shape: meta.shape.map(toDim) });
    } else {
      unsupportedOutputs.push({
        name: meta.name,
        reason: meta.isTensor
          ? `ONNX type ${meta.type} has no OIP datatype here`
          : "not a tensor (e.g. a sequence of maps from sklearn's ZipMap); ONNX Runtime for Node cannot return it",
      });
    }
  }
  const outputNames = new Set(outputs.map((output) => output.name));
  const problems: string[] = [];
  for (const labelled of Object.keys(manifest?.labels ?? {})) {
    if (!outputNames.has(labelled)) problems.push(`model.json labels name '${labelled}', which is not a returnable output`);
  }
  for (const name of manifest?.defaultOutputs ?? []) {
    if (!outputNames.has(name)) problems.push(`model.json defaultOutputs name '${name}', which is not a returnable output`);
  }
  if (outputs.length === 0) problems.push("the model has no output ONNX Runtime can return as a tensor");
  if (problems.length > 0) throw new Error(problems.join("; "));

  const defaultOutputs = manifest?.defaultOutputs ?? outputs.map((output) => output.name);
  const batchOfOneShapes = new Map(inputs.map((input) => [input.name, batchOfOne(input.shape)]));
  const queryInputs = inputs.map((input): QueryInputSpec => {
    const shape = batchOfOneShapes.get(input.name) as number[];
    // More than one dynamic dimension leaves the element count unknown (-1).
    const elements = shape.every((dim) => dim >= 0) ? shape.reduce((product, dim) => product * dim, 1) : -1;
    return { name: input.name, datatype: input.datatype, elements };
  });
  return {
    inputs,
    outputs,
    unsupportedOutputs,
    defaultOutputs,
    defaultOutputSet: new Set(defaultOutputs),
    queryInputs,
    inputsByName: new Map(inputs.map((input) => [input.name, input])),
    outputsByName: new Map(outputs.map((output) => [output.name, output])),
    batchOfOneShapes,
  };
}

/** The declared shape with the first dynamic dimension (the batch) set to 1. */
function batchOfOne(shape: readonly number[]): number[] {
  let batchSet = false;
  return shape.map((dim) => {
    if (dim >= 0 || batchSet) return dim;
    batchSet = true;
    return 1;
  });
}

function toDim(dim: number | string): number {
  return typeof dim === "number" && dim >= 0 ? dim : -1;
}

/**
 * The models one process serves. Each model is loaded once and its session reused; a model that
 * fails to load is marked failed (its routes answer 503) without affecting the others.
 */
export class ModelRegistry {
  private readonly entries = new Map<string, RegistryEntry>();

  constructor(
    config: RuntimeConfig,
    private readonly root: string,
    private readonly logger: RuntimeLogger,
    private readonly sessionOptions: ort.InferenceSession.SessionOptions = DEFAULT_SESSION_OPTIONS,
  ) {
    for (const model of config.models) this.entries.set(model.name, { config: model, state: { kind: "unloaded" } });
  }

  configOf(name: string): RuntimeModelConfig | undefined {
    return this.entries.get(name)?.config;
  }

  /** Loads every model this bundle carries; never rejects. */
  async loadAll(): Promise<void> {
    await Promise.all(
      [...this.entries.values()]
        .filter((entry) => entry.config.modelFile !== undefined)
        .map((entry) => this.load(entry.config.name).catch(() => undefined)),
    );
  }

  /** True when every model this bundle carries is loaded. */
  allReady(): boolean {
    return [...this.entries.values()].every((entry) => entry.config.modelFile === undefined || entry.state.kind === "ready");
  }

  /**
   * The loaded model, loading it on first use; 404 for unknown names and versions, 503 when it cannot load.
   * A loaded model is returned as is, not as a promise, so the warm path awaits nothing extra.
   */
  get(name: string, version?: string): LoadedModel | Promise<LoadedModel> {
    const entry = this.entries.get(name);
    if (!entry) throw notFound(`unknown model '${name}'`);
    if (version !== undefined && version !== entry.config.version) {
      throw notFound(`model '${name}' has no version '${version}'; available: ${entry.config.version}`);
    }
    return entry.state.kind === "ready" ? entry.state.model : this.load(name);
  }

  private load(name: string): Promise<LoadedModel> {
    const entry = this.entries.get(name);
    if (!entry) return Promise.reject(notFound(`unknown model '${name}'`));
    const state = entry.state;
    switch (state.kind) {
      case "ready":
        return Promise.resolve(state.model);
      case "loading":
        return state.promise;
      case "failed":
        return Promise.reject(unavailable(`model '${name}' is not ready: ${state.reason}`));
      case "unloaded":
        break;
    }
    const { modelFile } = entry.config;
    if (modelFile === undefined) {
      entry.state = { kind: "failed", reason: "this deployment does not carry its model file" };
      return this.load(name);
    }
    const path = resolve(this.root, modelFile);
    const started = performance.now();
    const promise = ort.InferenceSession.create(path, this.sessionOptions).then(
      (session) => {
        let signature: ModelSignature;
        try {
          signature = describeSignature(session, entry.config.manifest);
        } catch (error) {
          void session.release().catch(() => undefined);
          throw error;
        }
        const model: LoadedModel = { name, version: entry.config.version, manifest: entry.config.manifest, session, signature };
        entry.state = { kind: "ready", model };
        this.logger.info("model loaded", { model: name, version: model.version, loadMs: Math.round(performance.now() - started) });
        return model;
      },
    ).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
      entry.state = { kind: "failed", reason };
      this.logger.error("model failed to load", { model: name, version: entry.config.version, file: modelFile, reason });
      throw unavailable(`model '${name}' is not ready: ${reason}`);
    });
    entry.state = { kind: "loading", promise };
    return promise;
  }

  /** Readiness for the model-ready route; loads a lazily loaded model. 404 for unknown names and versions. */
  async readiness(name: string, version?: string): Promise<{ ready: boolean; reason?: string }> {
    try {
      await this.get(name, version);
      return { ready: true };
    } catch (error) {
      if (error instanceof Error && "status" in error && (error as { status: number }).status === 404) throw error;
      return { ready: false, reason: error instanceof Error ? error.message : String(error) };
    }
  }
}
