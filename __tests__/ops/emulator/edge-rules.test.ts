/**
 * Rules of the emulated edge that need no synthesized stack: compression, path patterns, what a
 * function may answer, the API Gateway proxy event and result, and names such as `__proto__`.
 */
import { gunzipSync } from "node:zlib";
import { RestApiEmulator } from "../../../ops/emulator/api-gateway";
import type { ApiResource, Behavior, EmulatedDistribution, LambdaFunction, RestApi, ViewerFunction } from "../../../ops/emulator/distribution";
import { compressed, EdgeEmulator, edgeGeneratedResponse, matchesPathPattern, type OriginAnswer } from "../../../ops/emulator/edge-emulator";
import { MANAGED_CACHE_POLICIES } from "../../../ops/emulator/managed-policies";
import type { HeaderList } from "../../../ops/emulator/http-types";
import type { LoadedLambda } from "../../../ops/emulator/lambda-bundle";
import { fieldValues, functionQuerystring, ViewerRequestRunner, type FunctionEvent } from "../../../ops/emulator/viewer-function";

function expectPrototypeUntouched(): void {
  expect(({} as Record<string, unknown>).multiValue).toBeUndefined();
  expect(({} as Record<string, unknown>).push).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain("multiValue");
}

describe("compression", () => {
  const behavior = { compress: true } as Behavior;
  const json = Buffer.from(JSON.stringify({ data: Array.from({ length: 400 }, (_, index) => index) }));
  const answer = (status: number, headers: HeaderList = []): OriginAnswer => ({
    status,
    headers: [{ name: "Content-Type", value: "application/json" }, ...headers],
    body: json,
    answeredBy: "regional",
  });
  const encodingOf = (result: OriginAnswer) => result.headers.find(({ name }) => name.toLowerCase() === "content-encoding")?.value;
  const etagOf = (result: OriginAnswer) => result.headers.filter(({ name }) => name.toLowerCase() === "etag").map(({ value }) => value);

  it("compresses 200, 403 and 404 answers only", () => {
    expect(json.length).toBeGreaterThan(1000);
    for (const status of [200, 403, 404]) {
      const result = compressed(behavior, answer(status), "gzip");
      expect(encodingOf(result)).toBe("gzip");
      expect(gunzipSync(result.body).equals(json)).toBe(true);
    }
    for (const status of [201, 203, 206, 301, 400, 410, 500, 503]) {
      const result = compressed(behavior, answer(status), "br,gzip");
      expect(encodingOf(result)).toBeUndefined();
      expect(result.body).toBe(json);
    }
  });

  it("makes a strong ETag weak, keeps a weak one and drops one that is neither", () => {
    expect(etagOf(compressed(behavior, answer(200, [{ name: "ETag", value: '"v1-abc"' }]), "gzip"))).toEqual(['W/"v1-abc"']);
    expect(etagOf(compressed(behavior, answer(200, [{ name: "etag", value: 'W/"v1-abc"' }]), "gzip"))).toEqual(['W/"v1-abc"']);
    expect(etagOf(compressed(behavior, answer(200, [{ name: "ETag", value: "v1-abc" }]), "gzip"))).toEqual([]);
    // Uncompressed answers keep their ETag as sent.
    expect(etagOf(compressed(behavior, answer(201, [{ name: "ETag", value: '"v1-abc"' }]), "gzip"))).toEqual(['"v1-abc"']);
  });
});

describe("path patterns", () => {
  it("match the same with or without the leading slash", () => {
    for (const pattern of ["/v2/models/*", "v2/models/*"]) {
      expect(matchesPathPattern(pattern, "/v2/models/iris/infer")).toBe(true);
      expect(matchesPathPattern(pattern, "/v2/health/ready")).toBe(false);
    }
    expect(matchesPathPattern("v2", "/v2")).toBe(true);
    expect(matchesPathPattern("*.onnx", "/models/iris/1/model.onnx")).toBe(true);
    expect(matchesPathPattern("models/?/x", "/models/a/x")).toBe(true);
  });
});

describe("a response generated at origin-request", () => {
  const error = (value: Record<string, unknown>) => {
    const result = edgeGeneratedResponse(value);
    return { status: result.status, error: result.error };
  };

  it("is a 502 LambdaValidationError when a header or the status text cannot travel over HTTP", () => {
    expect(error({ status: "200", headers: { "x-note": [{ key: "X-Note", value: "price in \u20ac" }] } })).toEqual({ status: 502, error: expect.stringMatching(/^LambdaValidationError: headers\.x-note: .*Invalid character/) });
    expect(error({ status: "200", headers: { "x-note": [{ key: "X-Note", value: "line\r\nbreak" }] } })).toMatchObject({ status: 502 });
    expect(error({ status: "200", headers: { "bad header": [{ key: "Bad Header", value: "x" }] } })).toEqual({ status: 502, error: expect.stringMatching(/^LambdaValidationError: headers\.bad header: .*token/) });
    expect(error({ status: "200", statusDescription: "Fine \u2713" })).toEqual({ status: 502, error: expect.stringMatching(/^LambdaValidationError: status description/) });
  });

  it("is passed on when it is valid", () => {
    const result = edgeGeneratedResponse({ status: "200", statusDescription: "OK", headers: { "x-note": [{ key: "X-Note", value: "caf\u00e9" }] }, body: "{}" });
    expect(result).toMatchObject({ status: 200, statusText: "OK", answeredBy: "edge", headers: [{ name: "X-Note", value: "caf\u00e9" }] });
  });
});

describe("a response generated by the viewer function", () => {
  function edgeAnswering(response: string): EdgeEmulator {
    const fn: ViewerFunction = { address: "aws_cloudfront_function.answer", name: "answer", runtime: "cloudfront-js-2.0", code: `function handler(event) { return ${response}; }` };
    const defaultBehavior: Behavior = {
      allowedMethods: ["GET", "HEAD"],
      cachedMethods: ["GET", "HEAD"],
      compress: false,
      cachePolicy: MANAGED_CACHE_POLICIES["4135ea2d-6df8-44a3-9df3-4b5a84be39ad"],
      viewerRequest: fn,
      originId: "nowhere",
    };
    const distribution = { domainName: "d1.cloudfront.net", distributionId: "E1", behaviors: [], defaultBehavior, origins: new Map(), errorCachingMinTtl: new Map(), lambdas: new Map() } as unknown as EmulatedDistribution;
    return new EdgeEmulator({ distribution, lambdas: new Map() });
  }
  const get = (edge: EdgeEmulator) => edge.handle({ method: "GET", path: "/", query: "", headers: [{ name: "Host", value: "x" }], body: Buffer.alloc(0), bodyBytes: 0, clientIp: "127.0.0.1", httpVersion: "1.1" });

  it("is a 502 FunctionValidationError when a header or the status text cannot travel over HTTP", async () => {
    for (const response of [
      "{ statusCode: 200, headers: { 'x-note': { value: 'price in \u20ac' } } }",
      "{ statusCode: 200, cookies: { id: { value: 'a\\nb' } } }",
      "{ statusCode: 200, statusDescription: 'Fine \u2713' }",
    ]) {
      const answer = await get(edgeAnswering(response));
      expect(answer.status).toBe(502);
      expect(answer.resultType).toBe("FunctionValidationError");
      expect(answer.detail.error).toMatch(/^FunctionValidationError: /);
    }
  });

  it("is passed on when it is valid", async () => {
    const answer = await get(edgeAnswering("{ statusCode: 302, statusDescription: 'Found', headers: { location: { value: '/elsewhere' } } }"));
    expect(answer).toMatchObject({ status: 302, statusText: "Found", resultType: "FunctionGeneratedResponse" });
    expect(answer.headers).toContainEqual({ name: "location", value: "/elsewhere" });
  });
});

describe("names chosen by the viewer", () => {
  it("are own keys of the function's querystring, prototype included", () => {
    const querystring = functionQuerystring("__proto__=x&constructor=y&__proto__=z&a=1");
    expect(Object.hasOwn(querystring, "__proto__")).toBe(true);
    expect(fieldValues(querystring)).toEqual([
      { name: "__proto__", value: "x" },
      { name: "__proto__", value: "z" },
      { name: "constructor", value: "y" },
      { name: "a", value: "1" },
    ]);
    expectPrototypeUntouched();
  });

  it("reach a viewer function as plain objects of its own realm", () => {
    const fn: ViewerFunction = {
      address: "aws_cloudfront_function.test",
      name: "test",
      runtime: "cloudfront-js-2.0",
      code: [
        "function handler(event) {",
        "  var request = event.request;",
        "  var own = request.querystring.hasOwnProperty('__proto__') && request.headers.hasOwnProperty('__proto__');",
        "  request.headers['x-seen'] = { value: String(own) + ' ' + String(request instanceof Object) + ' ' + Object.keys(request.querystring).join(',') };",
        "  return request;",
        "}",
      ].join("\n"),
    };
    const event: FunctionEvent = {
      version: "1.0",
      context: { distributionDomainName: "d1.cloudfront.net", distributionId: "E1", eventType: "viewer-request", requestId: "r" },
      viewer: { ip: "127.0.0.1" },
      request: { method: "GET", uri: "/", querystring: functionQuerystring("__proto__=x&a=1"), headers: functionQuerystring("__proto__=y"), cookies: {} },
    };
    const outcome = new ViewerRequestRunner(fn).run(event);
    expect(outcome.kind).toBe("request");
    const request = outcome.kind === "request" ? outcome.request : undefined;
    expect(request?.headers["x-seen"]).toEqual({ value: "true true __proto__,a" });
    expectPrototypeUntouched();
  });
});

describe("the regional API", () => {
  const fn: LambdaFunction = { address: "aws_lambda_function.api", functionName: "api", zipPath: "", handler: "index.handler", timeoutSeconds: 3, sourceCodeHash: "" };
  const root: ApiResource = { path: "/", pathPart: "", children: [], methods: new Map([["GET", { httpMethod: "GET", apiKeyRequired: false, lambda: fn }]]) };
  const api: RestApi = { address: "aws_api_gateway_rest_api.api", id: "a1b2c3d4e5", stageName: "dev", binaryMediaTypes: [], root, apiKeys: new Set(), gatewayResponses: new Map() };

  function apiAnswering(answer: (event: Record<string, unknown>) => unknown): { emulator: RestApiEmulator; events: Record<string, unknown>[] } {
    const events: Record<string, unknown>[] = [];
    const lambda: LoadedLambda = {
      fn,
      taskRoot: "/nowhere",
      invoke: async (event) => {
        events.push(event as Record<string, unknown>);
        return { ok: true, value: JSON.parse(JSON.stringify(answer(event as Record<string, unknown>))) as unknown, payloadBytes: 0 };
      },
    };
    return { emulator: new RestApiEmulator(api, new Map([[fn.address, lambda]]), "us-east-1"), events };
  }

  const request = (query: string, headers: HeaderList = []) => ({
    method: "GET",
    path: "/dev",
    query,
    headers,
    body: Buffer.alloc(0),
    bodyBytes: 0,
    sourceIp: "127.0.0.1",
    domainName: "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
  });

  it("builds the proxy event with `__proto__` as a plain name", async () => {
    const { emulator, events } = apiAnswering(() => ({ statusCode: 200, body: "{}" }));
    const answer = await emulator.handle(request("__proto__=x&__proto__=y&a=1", [{ name: "__proto__", value: "z" }]));
    expect(answer.status).toBe(200);
    const event = JSON.parse(JSON.stringify(events[0])) as Record<string, Record<string, unknown>>;
    expect(event.multiValueQueryStringParameters).toEqual(JSON.parse('{"__proto__":["x","y"],"a":["1"]}'));
    expect(event.multiValueHeaders).toEqual(JSON.parse('{"__proto__":["z"]}'));
    expectPrototypeUntouched();
  });

  it("answers 502 for a proxy result whose headers cannot travel over HTTP", async () => {
    for (const headers of [{ "x-note": "price in \u20ac" }, { "bad header": "x" }, { "x-note": "a\nb" }]) {
      const answer = await apiAnswering(() => ({ statusCode: 200, headers, body: "{}" })).emulator.handle(request(""));
      expect(answer.status).toBe(502);
      expect(answer.gatewayError).toMatch(/^BAD_GATEWAY \(malformed Lambda proxy response: header /);
      expect(JSON.parse(answer.body.toString("utf8"))).toEqual({ message: "Internal server error" });
    }
    const multi = await apiAnswering(() => ({ statusCode: 200, multiValueHeaders: { "x-note": ["ok", "\u20ac"] }, body: "{}" })).emulator.handle(request(""));
    expect(multi.status).toBe(502);
  });
});
