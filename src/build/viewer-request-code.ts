import { transformSync, type Message } from "esbuild";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { QueryInputSpec } from "../../handlers/shared/canonical-query";
import { VIEWER_REQUEST_CODE_LIMIT_BYTES } from "../constructs/viewer-request-function";
import { BuildError } from "./errors";

export { VIEWER_REQUEST_CODE_LIMIT_BYTES };

/** The one source of the GET query's canonical form, shared with the inference runtime. */
export const CANONICAL_QUERY_MODULE = "handlers/shared/canonical-query.ts";

/** What the function knows of one model: the version its unversioned paths go to, and its GET inputs. */
export interface ViewerRequestModel {
  readonly name: string;
  readonly version: string;
  /** As the runtime derives them (ModelSignature.queryInputs), in the model's input order. */
  readonly queryInputs: readonly QueryInputSpec[];
}

/**
 * The function's own part, in ES5 like the embedded module: CloudFront Functions' runtime 2.0 is
 * ES5.1 plus a few later features, and njs 0.7.9, which the tests run it under, lacks most of the rest.
 * `MODELS` and `canonicalizeQuery` are defined beside it.
 *
 * For GET and HEAD of a configured model, unversioned OIP paths are rewritten to the version baked in
 * here, so a model update changes every cache key and needs no invalidation; other versions pass
 * through for the origin's 404. A GET infer gets the canonical query, which drops unknown parameters.
 * A query that cannot be canonicalized is answered here with the origin's own 400, computed by the
 * same code, rather than sent on: parameters outside the cache key (an unknown name that is not valid
 * percent-encoding, say) can make a failing query share the cache key of a valid one, and whatever
 * reached the origin under that key could then be served to the valid query.
 */
const HANDLER_SOURCE = `
var MODEL_PATH = /^\\/v2\\/models\\/([^\\/]+)(?:\\/versions\\/([^\\/]+))?(\\/ready|\\/infer)?$/;

function decodedSegment(segment) {
  try {
    return decodeURIComponent(segment);
  } catch (e) {
    return null;
  }
}

function rawQuery(querystring) {
  var pairs = [];
  for (var name in querystring) {
    var field = querystring[name];
    var values = field.multiValue && field.multiValue.length > 0 ? field.multiValue : [field];
    for (var i = 0; i < values.length; i++) pairs.push(name + "=" + values[i].value);
  }
  return pairs.join("&");
}

function querystringOf(query) {
  var querystring = {};
  var pairs = query.length > 0 ? query.split("&") : [];
  for (var i = 0; i < pairs.length; i++) {
    var eq = pairs[i].indexOf("=");
    querystring[pairs[i].substring(0, eq)] = { value: pairs[i].substring(eq + 1) };
  }
  return querystring;
}

function handler(event) {
  var request = event.request;
  if (request.method !== "GET" && request.method !== "HEAD") return request;
  var match = MODEL_PATH.exec(request.uri);
  var name = match ? decodedSegment(match[1]) : null;
  if (name === null || !Object.prototype.hasOwnProperty.call(MODELS, name)) return request;
  var model = MODELS[name];
  if (match[2] !== undefined && decodedSegment(match[2]) !== model.version) return request;
  var route = match[3] || "";
  request.uri = "/v2/models/" + name + "/versions/" + model.version + route;
  if (route !== "/infer" || request.method !== "GET") return request;
  // rawQueryString() is the query exactly as the viewer sent it (runtime 2.0); the parsed object is the fallback.
  var raw = typeof request.rawQueryString === "function" ? request.rawQueryString() : undefined;
  var canonical = canonicalizeQuery(typeof raw === "string" ? raw : rawQuery(request.querystring), model.inputs);
  if (!canonical.ok) {
    return {
      statusCode: 400,
      statusDescription: "Bad Request",
      headers: { "content-type": { value: "application/json" }, "cache-control": { value: "no-store" } },
      body: { encoding: "text", data: JSON.stringify({ error: canonical.error }) }
    };
  }
  request.querystring = querystringOf(canonical.query);
  return request;
}
`;

function describe(message: Message): string {
  const where = message.location ? `${message.location.line}:${message.location.column}: ` : "";
  return `${where}${message.text}`;
}

/** esbuild's messages for a failed transform; anything else is not a build problem and is rethrown. */
function esbuildErrors(error: unknown): Message[] {
  const errors = (error as { errors?: Message[] }).errors;
  if (!Array.isArray(errors) || errors.length === 0) throw error;
  return errors;
}

/** The canonical-query module as ES5 script code: types stripped, `export` keywords dropped. */
export function canonicalQueryScript(projectRoot: string): string {
  const source = readFileSync(join(projectRoot, CANONICAL_QUERY_MODULE), "utf8");
  let code: string;
  try {
    code = transformSync(source, { loader: "ts", target: "es5", logLevel: "silent" }).code;
  } catch (error) {
    throw new BuildError(esbuildErrors(error).map((message) => `${CANONICAL_QUERY_MODULE}:${describe(message)} (the viewer-request function needs ES5)`));
  }
  const script = code.replace(/^export (?=(?:var|function) )/gm, "");
  if (/^\s*(?:export|import)\b/m.test(script)) {
    throw new BuildError([
      `${CANONICAL_QUERY_MODULE}: only "export function" and "export var" can be embedded in the viewer-request function; keep the module free of imports and other exports`,
    ]);
  }
  return script;
}

/** The model table the handler reads, keyed by model name, in name order. */
function modelTable(models: readonly ViewerRequestModel[]): string {
  const table: Record<string, unknown> = {};
  for (const model of [...models].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    table[model.name] = {
      version: model.version,
      inputs: model.queryInputs.map(({ name, datatype, elements }) => ({ name, datatype, elements })),
    };
  }
  return `var MODELS = ${JSON.stringify(table)};`;
}

/**
 * Source of the viewer-request CloudFront Function (runtime cloudfront-js-2.0) for these models:
 * the canonical-query module transpiled from its one source file, the model table and the handler,
 * minified as ES5. Deterministic for a given esbuild version. Throws BuildError when the code is over
 * CloudFront's size limit.
 */
export function generateViewerRequestCode(projectRoot: string, models: readonly ViewerRequestModel[]): string {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const model of models) {
    if (names.has(model.name)) problems.push(`viewer-request function: model "${model.name}" is listed twice`);
    names.add(model.name);
  }
  if (problems.length > 0) throw new BuildError(problems);
  const source = [canonicalQueryScript(projectRoot), modelTable(models), HANDLER_SOURCE].join("\n");
  let code: string;
  try {
    code = transformSync(source, { loader: "js", target: "es5", minify: true, legalComments: "none", logLevel: "silent" }).code;
  } catch (error) {
    throw new BuildError(esbuildErrors(error).map((message) => `viewer-request function: ${describe(message)}`));
  }
  const bytes = Buffer.byteLength(code, "utf8");
  if (bytes > VIEWER_REQUEST_CODE_LIMIT_BYTES) {
    throw new BuildError([
      `viewer-request function: ${bytes.toLocaleString("en-US")} bytes of code for ${models.length} models, over CloudFront Functions' limit of ${VIEWER_REQUEST_CODE_LIMIT_BYTES.toLocaleString("en-US")} bytes; it grows with each model and input name, so configure fewer models in this environment`,
    ]);
  }
  return code;
}

/**
 * The query parameter names GET .../infer uses in its canonical form, percent-encoded as the
 * function writes them: what the cache policy's query string allow-list must hold.
 */
export function queryParameterNames(model: ViewerRequestModel): string[] {
  return model.queryInputs.map((input) => encodeURIComponent(input.name));
}
