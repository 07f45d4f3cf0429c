import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { API_GATEWAY_PAYLOAD_LIMIT_BYTES } from "./api-gateway";
import type { EdgeResponse, HeaderList, ViewerRequest } from "./http-types";

/** Bodies are buffered up to one byte past the largest any origin accepts; the rest is counted, not kept. */
const BODY_BUFFER_BYTES = API_GATEWAY_PAYLOAD_LIMIT_BYTES + 1;
/** Past this the connection is closed rather than drained. */
const BODY_DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;
/** Node refuses header blocks above this (answered 413 below); CloudFront's own 20,480-byte limit is checked by the edge. */
const MAX_HEADER_BYTES = 64 * 1024;

export interface RequestLog {
  readonly time: string;
  readonly requestId?: string;
  readonly clientIp: string;
  readonly method: string;
  readonly uri: string;
  readonly status: number;
  readonly result: string;
  readonly behavior?: string;
  readonly answeredBy?: string;
  readonly cacheTtl?: number;
  readonly bytes: number;
  readonly ms: number;
  readonly error?: string;
  readonly functionLogs?: readonly string[];
}

export interface EdgeServerOptions {
  /** The edge that answers; read per request, so a reload takes effect for the next one. */
  readonly handle: (request: ViewerRequest) => Promise<EdgeResponse>;
  /** One call per request, malformed ones included. */
  readonly log: (entry: RequestLog) => void;
}

const MAX_LOGGED_URI = 512;

function loggedUri(url: string): string {
  return url.length > MAX_LOGGED_URI ? `${url.slice(0, MAX_LOGGED_URI)}...` : url;
}

function clientIpOf(socket: Socket): string {
  return (socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "");
}

/** CloudFront's answer to what it cannot parse, written raw because no request object exists. */
function rejectRaw(socket: Socket, status: 400 | 413, log: EdgeServerOptions["log"], reason: string): void {
  const text = status === 400 ? "Bad Request" : "Request Entity Too Large";
  const body = `<html><head><title>${status} ${text}</title></head><body><h1>${status} ${text}</h1><p>The request could not be satisfied.</p></body></html>\n`;
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nServer: CloudFront\r\nContent-Type: text/html\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\nX-Cache: Error from cloudfront\r\n\r\n${body}`,
    );
  } else {
    socket.destroy();
  }
  log({ time: new Date().toISOString(), clientIp: clientIpOf(socket), method: "-", uri: "-", status, result: "Error", bytes: Buffer.byteLength(body), ms: 0, error: reason });
}

function flatHeaders(headers: HeaderList): string[] {
  const flat: string[] = [];
  for (const { name, value } of headers) flat.push(name, value);
  return flat;
}

/**
 * The viewer side of the edge over HTTP/1.1 on loopback: parses requests (malformed ones get
 * CloudFront's 400, header blocks too large its 413, and the server goes on serving), buffers the
 * body, hands the request to the edge and writes its answer.
 */
export function createEdgeServer(options: EdgeServerOptions): Server {
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES, requireHostHeader: false }, (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    let buffered = 0;
    let received = 0;
    let closed = false;
    incoming.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (buffered < BODY_BUFFER_BYTES) {
        const kept = chunk.subarray(0, BODY_BUFFER_BYTES - buffered);
        chunks.push(kept);
        buffered += kept.length;
      }
      if (received > BODY_DRAIN_LIMIT_BYTES && !closed) {
        closed = true;
        const clientIp = clientIpOf(incoming.socket);
        incoming.socket.destroy();
        options.log({
          time: new Date().toISOString(),
          clientIp,
          method: incoming.method ?? "-",
          uri: loggedUri(incoming.url ?? "/"),
          status: 413,
          result: "Error",
          bytes: 0,
          ms: Math.round((performance.now() - started) * 100) / 100,
          error: `request body over ${BODY_DRAIN_LIMIT_BYTES} bytes: connection closed without an answer`,
        });
      }
    });
    incoming.on("error", () => undefined);
    incoming.on("end", () => {
      if (closed) return;
      const url = incoming.url ?? "/";
      const queryStart = url.indexOf("?");
      const headers: HeaderList = [];
      for (let index = 0; index < incoming.rawHeaders.length; index += 2) headers.push({ name: incoming.rawHeaders[index], value: incoming.rawHeaders[index + 1] });
      const request: ViewerRequest = {
        method: incoming.method ?? "GET",
        path: queryStart < 0 ? url : url.slice(0, queryStart),
        query: queryStart < 0 ? "" : url.slice(queryStart + 1),
        headers,
        body: Buffer.concat(chunks),
        bodyBytes: received,
        clientIp: clientIpOf(incoming.socket),
        httpVersion: incoming.httpVersion,
      };
      const logged = (response: EdgeResponse) =>
        options.log({
          time: new Date().toISOString(),
          requestId: response.headers.find(({ name }) => name === "X-Amz-Cf-Id")?.value,
          clientIp: request.clientIp,
          method: request.method,
          uri: loggedUri(url),
          status: response.status,
          result: response.resultType,
          behavior: response.detail.behavior,
          answeredBy: response.detail.answeredBy,
          cacheTtl: response.detail.ttlSeconds,
          bytes: response.body.length,
          ms: Math.round((performance.now() - started) * 100) / 100,
          error: response.detail.error,
          functionLogs: response.detail.functionLogs,
        });
      const missingHost = incoming.httpVersion === "1.1" && incoming.headers.host === undefined;
      if (missingHost) {
        rejectRaw(incoming.socket, 400, options.log, "HTTP/1.1 request without Host");
        return;
      }
      // CloudFront's answer when it cannot produce one: the edge failed, or its answer cannot be written.
      const badGateway = (reason: string) => {
        const body = Buffer.from(`<html><body><h1>502 ERROR</h1><p>The request could not be satisfied.</p></body></html>\n`);
        const canAnswer = !outgoing.headersSent;
        if (!canAnswer) outgoing.destroy();
        else {
          outgoing.writeHead(502, "Bad Gateway", ["Content-Type", "text/html", "Content-Length", String(body.length), "X-Cache", "Error from cloudfront"]);
          outgoing.end(body);
        }
        options.log({
          time: new Date().toISOString(),
          clientIp: request.clientIp,
          method: request.method,
          uri: loggedUri(url),
          status: 502,
          result: "Error",
          bytes: canAnswer ? body.length : 0,
          ms: Math.round((performance.now() - started) * 100) / 100,
          error: reason,
        });
      };
      options
        .handle(request)
        .then(
          (response) => {
            const headers = [...flatHeaders(response.headers), "Content-Length", String(response.body.length)];
            if (response.closeConnection) headers.push("Connection", "close");
            try {
              // Node refuses what HTTP does not allow (a non-Latin-1 header value, a control character in the status text).
              if (response.statusText) outgoing.writeHead(response.status, response.statusText, headers);
              else outgoing.writeHead(response.status, headers);
            } catch (error) {
              badGateway(`the answer cannot be sent (${response.status} from ${response.detail.answeredBy ?? "cloudfront"}): ${(error as Error).message}`);
              return;
            }
            outgoing.end(request.method === "HEAD" ? undefined : response.body);
            logged(response);
          },
          (error: unknown) => badGateway(`emulator: ${error instanceof Error ? error.message : String(error)}`),
        )
        .catch((error: unknown) => {
          // Writing or logging the answer failed; drop the connection rather than the server.
          outgoing.destroy();
          process.stderr.write(`serve: ${request.method} ${loggedUri(url)}: ${error instanceof Error ? error.message : String(error)}\n`);
        });
    });
  });
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === "HPE_HEADER_OVERFLOW";
    rejectRaw(socket, tooLarge ? 413 : 400, options.log, `${error.code ?? "parse error"}: ${error.message}`);
  });
  return server;
}
