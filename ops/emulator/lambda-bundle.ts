import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { unzipSync } from "fflate";
import type { LambdaFunction } from "./distribution";

/** Lambda's limit on a synchronous invocation's response payload. */
export const LAMBDA_RESPONSE_LIMIT_BYTES = 6 * 1024 * 1024;

export type InvokeResult =
  | { readonly ok: true; readonly value: unknown; readonly payloadBytes: number }
  | { readonly ok: false; readonly kind: "error" | "timeout" | "payload"; readonly message: string };

export interface LoadedLambda {
  readonly fn: LambdaFunction;
  /** Where the zip was extracted: the function's LAMBDA_TASK_ROOT. */
  readonly taskRoot: string;
  invoke(event: unknown, requestId?: string): Promise<InvokeResult>;
}

type Handler = (event: unknown, context: object, callback?: (error: unknown, value?: unknown) => void) => unknown;

/** Writes every file of a zip under `into`, refusing entries that would land outside it. */
export function extractZip(zipPath: string, into: string): void {
  const root = resolve(into);
  for (const [path, data] of Object.entries(unzipSync(readFileSync(zipPath)))) {
    if (path.endsWith("/")) continue;
    const target = resolve(root, path);
    if (!target.startsWith(root + sep)) throw new Error(`${zipPath}: entry ${path} points outside the function directory`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, data);
  }
}

/**
 * Extracts a function's zip under `workDir` and loads its handler as Lambda does: the module is
 * required with LAMBDA_TASK_ROOT set to the extracted directory, so it finds runtime-config.json,
 * its models and the onnxruntime-node natives it was built with. `logLevel` becomes LOG_LEVEL for
 * the module's start-up unless LOG_LEVEL is set.
 */
export function loadLambda(fn: LambdaFunction, workDir: string, options: { logLevel?: string } = {}): LoadedLambda {
  const taskRoot = join(workDir, fn.address.replace(/[^A-Za-z0-9_.-]/g, "_"));
  mkdirSync(taskRoot, { recursive: true });
  extractZip(fn.zipPath, taskRoot);
  const dot = fn.handler.lastIndexOf(".");
  const file = join(taskRoot, `${fn.handler.slice(0, dot)}.js`);
  const exportName = fn.handler.slice(dot + 1);

  const saved = { LAMBDA_TASK_ROOT: process.env.LAMBDA_TASK_ROOT, LOG_LEVEL: process.env.LOG_LEVEL };
  process.env.LAMBDA_TASK_ROOT = taskRoot;
  if (saved.LOG_LEVEL === undefined && options.logLevel !== undefined) process.env.LOG_LEVEL = options.logLevel;
  let handler: Handler;
  try {
    handler = (require(file) as Record<string, Handler>)[exportName];
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  if (typeof handler !== "function") throw new Error(`${fn.address}: ${fn.handler} is not a function exported by ${file}`);

  return {
    fn,
    taskRoot,
    invoke: (event, requestId = randomUUID()) => invoke(fn, handler, event, requestId),
  };
}

/**
 * Forgets the modules required from `dir` (require.cache and the requiring module's children, so they
 * can be collected) and removes the directory. Natives stay loaded: a process cannot unload them.
 */
export function unloadDirectory(dir: string): void {
  const roots = new Set([resolve(dir)]);
  try {
    roots.add(realpathSync(dir));
  } catch {
    // already gone
  }
  const under = (file: string) => [...roots].some((root) => file === root || file.startsWith(root + sep));
  for (const file of Object.keys(require.cache)) if (under(file)) delete require.cache[file];
  const children = (module as { children?: NodeJS.Module[] }).children;
  if (children) for (let index = children.length - 1; index >= 0; index--) if (under(children[index].filename)) children.splice(index, 1);
  rmSync(dir, { recursive: true, force: true });
}

async function invoke(fn: LambdaFunction, handler: Handler, event: unknown, requestId: string): Promise<InvokeResult> {
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  const context = {
    awsRequestId: requestId,
    functionName: fn.functionName,
    functionVersion: "1",
    invokedFunctionArn: `arn:aws:lambda:emulated:000000000000:function:${fn.functionName}:1`,
    memoryLimitInMB: "1024",
    logGroupName: `/aws/lambda/${fn.functionName}`,
    logStreamName: "emulated",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<InvokeResult>((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout({ ok: false, kind: "timeout", message: `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds` }), fn.timeoutSeconds * 1000);
  });
  const run = new Promise<unknown>((resolveRun, reject) => {
    const callback = (error: unknown, value?: unknown) => (error ? reject(error) : resolveRun(value));
    try {
      // Lambda hands a handler the event freshly parsed from JSON: plain objects, nothing shared with the caller.
      const returned = handler(JSON.parse(JSON.stringify(event)) as unknown, context, callback);
      if (returned !== undefined && typeof (returned as Promise<unknown>).then === "function") (returned as Promise<unknown>).then(resolveRun, reject);
      else if (handler.length < 3) resolveRun(returned);
    } catch (error) {
      reject(error);
    }
  }).then(
    (value): InvokeResult => {
      // Lambda hands the caller the JSON serialization of what the handler returned.
      const text = JSON.stringify(value ?? null);
      const payloadBytes = Buffer.byteLength(text);
      if (payloadBytes > LAMBDA_RESPONSE_LIMIT_BYTES) {
        return { ok: false, kind: "payload", message: `response payload of ${payloadBytes} bytes exceeds Lambda's ${LAMBDA_RESPONSE_LIMIT_BYTES}` };
      }
      return { ok: true, value: JSON.parse(text) as unknown, payloadBytes };
    },
    (error: unknown): InvokeResult => ({ ok: false, kind: "error", message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
  );
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
