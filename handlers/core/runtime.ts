import type { InferenceSession, Tensor } from "onnxruntime-node";
import { canonicalizeQuery } from "../shared/canonical-query";
import type { RuntimeConfig } from "../shared/runtime-config";
import type { OipDatatype } from "./datatypes";
import { badRequest, methodNotAllowed, notFound, OipError, payloadTooLarge } from "./errors";
import { BINARY_CONTENT_TYPE, BINARY_EXTENSION, BINARY_HEADER_LENGTH, splitBinaryBody } from "./binary-tensors";
import { binaryInferResponse, inferResponse } from "./infer-response";
import { BinaryHeaderPlans, checkContentType, parseInferRequest, parseJsonBody, parseRawBinaryRequest, type ParsedInferRequest } from "./infer-request";
import { createLogger, type RuntimeLogger } from "./logger";
import { DEFAULT_SESSION_OPTIONS, ModelRegistry, type LoadedModel } from "./model-registry";
import { matchRoute, type Route, type RouteKind } from "./routes";
import { DEFAULT_MAX_ELEMENTS, tensorFromCanonical } from "./tensor-codec";

export const SERVER_NAME = "edge-inference";
export const SERVER_VERSION = "0.1.0";
/** Lambda's synchronous invocation payload limit. */
export const DEFAULT_MAX_REQUEST_BYTES = 6 * 1024 * 1024;

/**
 * The request headers the runtime reads. An adapter may pass all of a request's headers or only
 * these: CloudFront events carry a dozen, and copying them all costs a microsecond per request.
 */
export const RUNTIME_REQUEST_HEADERS = ["content-type", BINARY_HEADER_LENGTH] as const;

/** A request as every adapter hands it to the core: header names lower-case, query without '?'. */
export interface RuntimeRequest {
  readonly method: string;
  readonly path: string;
  readonly query?: string;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: Uint8Array | string;
  readonly requestId?: string;
  /** The route when the adapter has already matched `path`, so it is not matched twice per request. */
  readonly route?: Route;
}

export interface RuntimeResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** Text (JSON), or bytes for a binary-extension answer (content-type application/octet-stream). */
  readonly body: string | Uint8Array;
}

/** What a route produces before the runtime adds status defaults and caching headers. */
interface RouteResult {
  /** JSON text, or a binary-extension answer whose JSON header is `binaryHeaderLength` bytes long. */
  readonly body: string | Uint8Array;
  readonly binaryHeaderLength?: number;
  readonly status?: number;
  readonly version?: string;
}

export interface RuntimeOptions {
  readonly config: RuntimeConfig;
  /** Directory that RuntimeModelConfig.modelFile paths are relative to. */
  readonly root: string;
  readonly logger?: RuntimeLogger;
  readonly sessionOptions?: InferenceSession.SessionOptions;
  readonly maxElements?: number;
  readonly maxRequestBytes?: number;
}

/** What an adapter is given: a runtime to share, or the options to make its own. */
export type RuntimeSource = { readonly runtime: InferenceRuntime } | RuntimeOptions;

export function runtimeFrom(source: RuntimeSource): InferenceRuntime {
  return "runtime" in source ? source.runtime : new InferenceRuntime(source);
}

const NO_STORE = "no-store";

/**
 * The Open Inference Protocol runtime: routes, validation, ONNX Runtime sessions. It knows nothing
 * of AWS; the edge, API Gateway and HTTP adapters translate their events into `handle` calls.
 */
export class InferenceRuntime {
  readonly registry: ModelRegistry;
  readonly config: RuntimeConfig;
  private readonly logger: RuntimeLogger;
  private readonly maxElements: number;
  private readonly maxRequestBytes: number;
  private readonly versionedCacheControl: string;
  private readonly unversionedCacheControl: string;
  private readonly binaryHeaderPlans: BinaryHeaderPlans;

  constructor(options: RuntimeOptions) {
    this.config = options.config;
    this.logger = options.logger ?? createLogger(SERVER_NAME);
    this.registry = new ModelRegistry(options.config, options.root, this.logger, options.sessionOptions ?? DEFAULT_SESSION_OPTIONS);
    this.maxElements = options.maxElements ?? DEFAULT_MAX_ELEMENTS;
    this.maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    this.binaryHeaderPlans = new BinaryHeaderPlans(this.maxElements);
    this.versionedCacheControl = `public, max-age=${options.config.cache.versionedTtlSeconds}, immutable`;
    this.unversionedCacheControl = `public, max-age=${options.config.cache.unversionedTtlSeconds}`;
  }

  /** Loads every model now (Lambda init) instead of on first use; failures leave that model not-ready. */
  async loadAll(): Promise<this> {
    await this.registry.loadAll();
    return this;
  }

  async handle(request: RuntimeRequest): Promise<RuntimeResponse> {
    const started = performance.now();
    const route = request.route ?? matchRoute(request.path);
    let response: RuntimeResponse;
    let version: string | undefined;
    try {
      if (!route) throw notFound(`no Open Inference Protocol route at ${request.path}`);
      if (!route.methods.includes(request.method)) throw methodNotAllowed(request.method, route.methods);
      let result: RouteResult;
      if (route.kind === "infer") {
        // The hot path, one async frame shallower than dispatch.
        const found = this.registry.get(route.model as string, route.version);
        result = await this.infer(found instanceof Promise ? await found : found, request);
      } else {
        result = await this.dispatch(route.kind, route);
      }
      version = result.version;
      const cacheControl = this.cacheControl(route, result.status);
      const headers: Record<string, string> =
        result.binaryHeaderLength === undefined
          ? { "content-type": "application/json", "cache-control": cacheControl }
          : { "content-type": BINARY_CONTENT_TYPE, "cache-control": cacheControl, [BINARY_HEADER_LENGTH]: String(result.binaryHeaderLength) };
      response = { status: result.status ?? 200, headers, body: result.body };
    } catch (error) {
      response = this.errorResponse(error, request, route);
    }
    this.logger.request({
      requestId: request.requestId,
      method: request.method,
      route: route?.kind,
      model: route?.model,
      version: version ?? route?.version,
      status: response.status,
      latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
    });
    return response;
  }

  private async dispatch(kind: Exclude<RouteKind, "infer">, route: Route): Promise<RouteResult> {
    switch (kind) {
      case "server-live":
        return { body: JSON.stringify({ live: true }) };
      case "server-ready": {
        const ready = this.registry.allReady();
        return { body: JSON.stringify({ ready }), status: ready ? 200 : 503 };
      }
      case "server-metadata":
        return { body: JSON.stringify({ name: SERVER_NAME, version: SERVER_VERSION, extensions: [BINARY_EXTENSION] }) };
      case "model-ready": {
        const name = route.model as string;
        const { ready, reason } = await this.registry.readiness(name, route.version);
        const body = reason === undefined ? { name, ready } : { name, ready, error: reason };
        return { body: JSON.stringify(body), status: ready ? 200 : 503 };
      }
      case "model-metadata": {
        const model = await this.registry.get(route.model as string, route.version);
        return { body: JSON.stringify(modelMetadata(model)), version: model.version };
      }
    }
  }

  private async infer(model: LoadedModel, request: RuntimeRequest): Promise<RouteResult> {
    let parsed: Pick<ParsedInferRequest, "feeds" | "outputs"> & Partial<ParsedInferRequest>;
    if (request.method === "GET") {
      parsed = this.parseQuery(model, request.query ?? "");
    } else {
      parsed = this.parseBody(model, request);
    }
    const { feeds, outputs, id } = parsed;
    let results: InferenceSession.OnnxValueMapType;
    try {
      results = await model.session.run(feeds, outputs as string[]);
    } catch (error) {
      // Inputs were checked against the declared signature, so what is left is the model refusing these values.
      throw badRequest(`model '${model.name}' rejected the input: ${(error as Error).message.split("\n")[0]}`);
    }
    const binaryOutputs = parsed.binaryOutputs;
    if (binaryOutputs === undefined || binaryOutputs.size === 0) {
      return { body: inferResponse(model, id, outputs, results as Record<string, Tensor>), version: model.version };
    }
    const binary = binaryInferResponse(model, id, outputs, binaryOutputs, results as Record<string, Tensor>);
    return { body: binary.body, binaryHeaderLength: binary.headerLength, version: model.version };
  }

  private parseBody(model: LoadedModel, request: RuntimeRequest): ParsedInferRequest {
    const headers = request.headers ?? {};
    checkContentType(headers);
    const body = request.body;
    if (body === undefined || body.length === 0) throw badRequest("request body is empty; send an OIP inference request");
    const bytes = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
    if (bytes > this.maxRequestBytes) throw payloadTooLarge(`request body is ${bytes} bytes; the limit is ${this.maxRequestBytes}`);
    const headerLength = headers[BINARY_HEADER_LENGTH];
    if (headerLength !== undefined) {
      // An adapter that could only hand over text (API Gateway without binary media types) loses
      // bytes that are not UTF-8; the size checks then answer 400 rather than guess.
      const binary = typeof body === "string" ? Buffer.from(body, "utf8") : body;
      const { json, tensorBytes } = splitBinaryBody(binary, headerLength);
      if (json === undefined) return parseRawBinaryRequest(model, this.maxElements, tensorBytes);
      return this.binaryHeaderPlans.parse(model, json, tensorBytes);
    }
    const text = typeof body === "string" ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
    return parseInferRequest(parseJsonBody(text), model, this.maxElements);
  }

  private parseQuery(model: LoadedModel, query: string): { feeds: Record<string, Tensor>; outputs: readonly string[] } {
    const canonical = canonicalizeQuery(query, model.signature.queryInputs);
    if (!canonical.ok) throw badRequest(canonical.error);
    const feeds: Record<string, Tensor> = {};
    for (const input of canonical.inputs) {
      const shape = model.signature.batchOfOneShapes.get(input.name) as readonly number[];
      feeds[input.name] = tensorFromCanonical(input.datatype as OipDatatype, input.values, shape);
    }
    return { feeds, outputs: model.signature.defaultOutputs };
  }

  private cacheControl(route: Route, status: number | undefined): string {
    if ((status ?? 200) !== 200 || route.kind === "server-live" || route.kind === "server-ready" || route.kind === "model-ready") {
      return NO_STORE;
    }
    return route.version !== undefined ? this.versionedCacheControl : this.unversionedCacheControl;
  }

  private errorResponse(error: unknown, request: RuntimeRequest, route: Route | undefined): RuntimeResponse {
    let status = 500;
    let message = "internal error";
    let headers: Record<string, string> = {};
    if (error instanceof OipError) {
      ({ status, message } = error);
      headers = { ...error.headers };
    } else {
      this.logger.error("unexpected error", { requestId: request.requestId, model: route?.model, error: error instanceof Error ? error.stack : String(error) });
    }
    return { status, headers: { ...headers, "content-type": "application/json", "cache-control": NO_STORE }, body: JSON.stringify({ error: message }) };
  }
}

export function modelMetadata(model: LoadedModel): Record<string, unknown> {
  const { signature, manifest } = model;
  const labels = manifest?.labels ?? {};
  const metadata: Record<string, unknown> = {
    name: model.name,
    versions: [model.version],
    platform: "onnx_onnxv1",
    inputs: signature.inputs,
    outputs: signature.outputs.map((output) => (labels[output.name] ? { ...output, labels: labels[output.name] } : output)),
  };
  if (signature.unsupportedOutputs.length > 0) metadata.unsupported_outputs = signature.unsupportedOutputs;
  if (manifest?.description !== undefined) metadata.parameters = { description: manifest.description };
  return metadata;
}
