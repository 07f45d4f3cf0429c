/**
 * The emulator's HTTP server with a stand-in edge: answers Node's HTTP refuses to write, bodies past
 * the drain limit, and the HTTP version it hands the edge.
 */
import type { Server } from "node:http";
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import type { EdgeResponse, ViewerRequest } from "../../../ops/emulator/http-types";
import { createEdgeServer, type RequestLog } from "../../../ops/emulator/server";
import { http, rawExchange } from "./harness";

let server: Server;
let url: string;
let port: number;
const logs: RequestLog[] = [];
const seen: ViewerRequest[] = [];
let answer: (request: ViewerRequest) => EdgeResponse;

const ok = (headers: EdgeResponse["headers"] = [], statusText?: string): EdgeResponse => ({
  status: 200,
  statusText,
  headers: [{ name: "Content-Type", value: "text/plain" }, ...headers],
  body: Buffer.from("fine"),
  resultType: "Miss",
  detail: { behavior: "default", answeredBy: "regional" },
});

beforeAll(async () => {
  server = createEdgeServer({
    handle: async (request) => {
      seen.push(request);
      return answer(request);
    },
    log: (entry) => logs.push(entry),
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  answer = () => ok();
});

async function waitForLog(matches: (entry: RequestLog) => boolean): Promise<RequestLog | undefined> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const found = logs.find(matches);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return undefined;
}

describe("an answer Node's HTTP refuses to write", () => {
  it.each([
    ["a header value outside Latin-1", () => ok([{ name: "X-Note", value: "price in \u20ac" }])],
    ["a header name that is no token", () => ok([{ name: "X Note", value: "x" }])],
    ["a control character in the status text", () => ok([], "Fine\u0007")],
  ])("becomes a logged 502 and the server goes on: %s", async (_case, bad) => {
    answer = bad;
    const refused = await http(`${url}/refused`);
    expect(refused.status).toBe(502);
    expect(refused.headers["x-cache"]).toBe("Error from cloudfront");
    expect(await waitForLog((entry) => entry.uri === "/refused" && entry.status === 502)).toMatchObject({ result: "Error", error: expect.stringMatching(/^the answer cannot be sent \(200 from regional\): /) });
    logs.length = 0;
    answer = () => ok();
    const next = await http(`${url}/next`);
    expect(next.status).toBe(200);
    expect(next.text()).toBe("fine");
  });
});

describe("a body past the drain limit", () => {
  it("closes the connection and writes a log line", async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest(`${url}/huge`, { method: "POST", agent: false, headers: { "content-type": "application/octet-stream" } }, (res) => resolve(`answered ${res.statusCode}`));
      req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      let sent = 0;
      const pump = () => {
        while (sent < 70) {
          sent += 1;
          if (!req.write(chunk)) {
            req.once("drain", pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    expect(outcome).toMatch(/^(ECONNRESET|EPIPE)$/);
    expect(await waitForLog((entry) => entry.uri === "/huge")).toMatchObject({ method: "POST", status: 413, result: "Error", error: expect.stringMatching(/connection closed without an answer/) });
  });
});

describe("the HTTP version", () => {
  it("reaches the edge as the viewer sent it", async () => {
    seen.length = 0;
    expect(await rawExchange(port, "GET /old HTTP/1.0\r\n\r\n")).toMatch(/^HTTP\/1\.1 200 /);
    await http(`${url}/new`);
    expect(seen.map(({ path, httpVersion }) => `${path} ${httpVersion}`)).toEqual(["/old 1.0", "/new 1.1"]);
  });
});
