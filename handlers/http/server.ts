import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DEFAULT_MAX_REQUEST_BYTES, runtimeFrom, type InferenceRuntime, type RuntimeSource } from "../core";

export type HttpServerOptions = RuntimeSource & {
  /** Bodies above this many bytes get a 413 before they are read to the end. */
  readonly maxRequestBytes?: number;
};

function send(response: ServerResponse, status: number, headers: Record<string, string>, body: string | Uint8Array): void {
  response.writeHead(status, { ...headers, "content-length": Buffer.byteLength(body) });
  response.end(body);
}

function tooLarge(response: ServerResponse, limit: number): void {
  send(response, 413, { "content-type": "application/json", "cache-control": "no-store", connection: "close" }, JSON.stringify({ error: `request body exceeds ${limit} bytes` }));
}

/** A node:http server speaking OIP over the core runtime; models load on first use. */
export function createHttpServer(options: HttpServerOptions): Server {
  const runtime = runtimeFrom(options);
  const limit = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  let nextId = 0;
  return createServer((request: IncomingMessage, response: ServerResponse) => {
    const declared = Number(request.headers["content-length"] ?? 0);
    if (declared > limit) {
      tooLarge(response, limit);
      request.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    let refused = false;
    request.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit && !refused) {
        refused = true;
        tooLarge(response, limit);
      }
      if (!refused) chunks.push(chunk);
    });
    request.on("end", () => {
      if (refused) return;
      const url = request.url ?? "/";
      const queryStart = url.indexOf("?");
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
      }
      runtime
        .handle({
          method: request.method ?? "GET",
          path: queryStart < 0 ? url : url.slice(0, queryStart),
          query: queryStart < 0 ? "" : url.slice(queryStart + 1),
          headers,
          body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
          requestId: headers["x-request-id"] ?? `http-${++nextId}`,
        })
        .then((result) => send(response, result.status, result.headers, result.body))
        .catch(() => send(response, 500, { "content-type": "application/json", "cache-control": "no-store" }, JSON.stringify({ error: "internal error" })));
    });
  });
}

export interface RunningHttpServer {
  readonly server: Server;
  readonly runtime: InferenceRuntime;
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the server (port 0 picks a free one) after loading every model. */
export async function startHttpServer(options: HttpServerOptions & { port?: number; host?: string; eager?: boolean }): Promise<RunningHttpServer> {
  const runtime = runtimeFrom(options);
  if (options.eager ?? true) await runtime.loadAll();
  const server = createHttpServer({ runtime, maxRequestBytes: options.maxRequestBytes });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    runtime,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
