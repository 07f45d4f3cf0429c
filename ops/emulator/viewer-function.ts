import { createContext, Script, type Context } from "node:vm";
import type { ViewerFunction } from "./distribution";
import { nameRecord } from "./http-types";

/** CloudFront Functions' multi-value field: headers, query strings and cookies. */
export interface FunctionField {
  value: string;
  multiValue?: { value: string }[];
}

export interface FunctionRequest {
  method: string;
  uri: string;
  querystring: Record<string, FunctionField> | string;
  headers: Record<string, FunctionField>;
  cookies: Record<string, FunctionField>;
}

export interface FunctionResponse {
  statusCode: number;
  statusDescription?: string;
  headers?: Record<string, FunctionField>;
  cookies?: Record<string, FunctionField & { attributes?: string }>;
  body?: string | { encoding: "text" | "base64"; data: string };
}

export interface FunctionEvent {
  version: "1.0";
  context: { distributionDomainName: string; distributionId: string; eventType: "viewer-request"; requestId: string };
  viewer: { ip: string };
  request: FunctionRequest;
}

export type FunctionResult =
  | { kind: "request"; request: FunctionRequest; logs: string[] }
  | { kind: "response"; response: FunctionResponse; logs: string[] }
  | { kind: "error"; resultType: "FunctionExecutionError" | "FunctionValidationError"; message: string; logs: string[] };

/** CloudFront stops a function that runs longer than its compute budget; a wall-clock bound stands in for it here. */
const TIME_LIMIT_MS = 100;

/** Builds the querystring object CloudFront hands a function: raw (still percent-encoded) values, repeats folded into multiValue. */
export function functionQuerystring(query: string): Record<string, FunctionField> {
  const querystring = nameRecord<FunctionField>();
  for (const pair of query.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? "" : pair.slice(eq + 1);
    addField(querystring, name, value);
  }
  return querystring;
}

/** Adds one value under `name`; any name is an own key, so `__proto__` cannot reach a prototype. */
export function addField(fields: Record<string, FunctionField>, name: string, value: string): void {
  const field = Object.hasOwn(fields, name) ? fields[name] : undefined;
  if (field === undefined) Object.defineProperty(fields, name, { value: { value }, enumerable: true, writable: true, configurable: true });
  else field.multiValue = [...(field.multiValue ?? [{ value: field.value }]), { value }];
}

/** Each value of each field, in order: the multiValue list when there is one, else the value. */
export function fieldValues(fields: Record<string, FunctionField> | undefined): { name: string; value: string }[] {
  const values: { name: string; value: string }[] = [];
  for (const [name, field] of Object.entries(fields ?? {})) {
    const list = field.multiValue && field.multiValue.length > 0 ? field.multiValue : [field];
    for (const item of list) values.push({ name, value: String(item.value) });
  }
  return values;
}

/** The query string CloudFront forwards for a function's querystring, object or string form. */
export function serializeQuerystring(querystring: FunctionRequest["querystring"]): string {
  if (typeof querystring === "string") return querystring.replace(/^\?/, "");
  return fieldValues(querystring)
    .map(({ name, value }) => `${name}=${value}`)
    .join("&");
}

/**
 * One viewer-request CloudFront Function, compiled once into a bare node:vm context (no Node APIs,
 * like the CloudFront Functions runtime) and called per request with the CloudFront Functions event.
 */
export class ViewerRequestRunner {
  private readonly context: Context & { __event?: string; __result?: unknown; __logs: string[] };
  private readonly call: Script;

  constructor(readonly fn: ViewerFunction) {
    const logs: string[] = [];
    this.context = createContext({ __logs: logs }) as ViewerRequestRunner["context"];
    new Script("var console = { log: function () { __logs.push(Array.prototype.join.call(arguments, ' ')); } };", { filename: "console.js" }).runInContext(this.context);
    new Script(fn.code, { filename: `${fn.name}.js` }).runInContext(this.context, { timeout: 1000 });
    if (typeof (this.context as { handler?: unknown }).handler !== "function") {
      throw new Error(`${fn.address}: the function code defines no handler(event)`);
    }
    // The event crosses as JSON, so the function gets objects of its own realm (as in CloudFront) and no
    // reference to the emulator's objects or prototypes.
    this.call = new Script("__result = handler(JSON.parse(__event));", { filename: "call.js" });
  }

  run(event: FunctionEvent): FunctionResult {
    const logs: string[] = [];
    this.context.__logs.length = 0;
    this.context.__event = JSON.stringify(event);
    let result: unknown;
    try {
      this.call.runInContext(this.context, { timeout: TIME_LIMIT_MS });
      result = this.context.__result;
    } catch (error) {
      logs.push(...this.context.__logs);
      return { kind: "error", resultType: "FunctionExecutionError", message: error instanceof Error ? error.message : String(error), logs };
    } finally {
      this.context.__event = undefined;
      this.context.__result = undefined;
    }
    logs.push(...this.context.__logs);
    // A copy into this realm, so the rest of the emulator sees plain data.
    let plain: Record<string, unknown>;
    try {
      plain = JSON.parse(JSON.stringify(result ?? null)) as Record<string, unknown>;
    } catch (error) {
      return { kind: "error", resultType: "FunctionValidationError", message: `the result is not serializable: ${(error as Error).message}`, logs };
    }
    if (plain === null || typeof plain !== "object") return { kind: "error", resultType: "FunctionValidationError", message: "the function returned neither a request nor a response", logs };
    if ("statusCode" in plain) {
      const status = Number(plain.statusCode);
      if (!Number.isInteger(status) || status < 100 || status > 599) {
        return { kind: "error", resultType: "FunctionValidationError", message: `statusCode ${JSON.stringify(plain.statusCode)} is not an HTTP status`, logs };
      }
      return { kind: "response", response: plain as unknown as FunctionResponse, logs };
    }
    const request = plain as unknown as FunctionRequest;
    if (typeof request.uri !== "string" || !request.uri.startsWith("/")) {
      return { kind: "error", resultType: "FunctionValidationError", message: `the returned request's uri ${JSON.stringify(request.uri)} does not start with "/"`, logs };
    }
    return { kind: "request", request, logs };
  }
}
