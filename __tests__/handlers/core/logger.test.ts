import { InferenceRuntime } from "../../../handlers/core";
import { createJsonLinesLogger, createLogger, isoTimestamp } from "../../../handlers/core/logger";
import { join } from "node:path";
import { runtimeConfigForModelsDir } from "../../../handlers/core/local-models";

function capture(level?: "DEBUG" | "INFO" | "WARN" | "ERROR" | "SILENT") {
  const lines: string[] = [];
  const logger = createJsonLinesLogger({ service: "edge-inference", level, write: (line) => void lines.push(line) });
  return { lines, logger, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe("JSON lines logger", () => {
  it("writes one JSON object per line with Powertools' key names", () => {
    const { lines, logger, records } = capture();
    logger.info("request", { requestId: "r-1", status: 200, latencyMs: 1.5 });
    logger.warn("no fields");
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line.endsWith("\n")).toBe(true);
      expect(line.slice(0, -1)).not.toContain("\n");
    }
    const [request, bare] = records();
    expect(request).toEqual({
      level: "INFO",
      message: "request",
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: "edge-inference",
      requestId: "r-1",
      status: 200,
      latencyMs: 1.5,
    });
    expect(bare).toEqual({ level: "WARN", message: "no fields", timestamp: expect.any(String), service: "edge-inference" });
  });

  it("drops lines below its level and writes nothing when SILENT", () => {
    const warnOnly = capture("WARN");
    warnOnly.logger.info("skipped");
    warnOnly.logger.error("kept");
    expect(warnOnly.records().map((record) => record.message)).toEqual(["kept"]);
    const silent = capture("SILENT");
    silent.logger.error("skipped");
    expect(silent.lines).toEqual([]);
  });

  it("never throws: BigInts become strings and unserialisable fields are named instead", () => {
    const { logger, records } = capture();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => logger.info("bigint", { rows: 3n })).not.toThrow();
    expect(() => logger.info("circular", { circular })).not.toThrow();
    const [bigint, broken] = records();
    expect(bigint.rows).toBe("3");
    expect(broken.logError).toMatch(/could not be serialised/);
  });

  it("takes its level from LOG_LEVEL, then Lambda's AWS_LAMBDA_LOG_LEVEL", () => {
    const saved = { LOG_LEVEL: process.env.LOG_LEVEL, AWS_LAMBDA_LOG_LEVEL: process.env.AWS_LAMBDA_LOG_LEVEL };
    const written: string[] = [];
    const write = jest.spyOn(process.stdout, "write").mockImplementation((line) => {
      written.push(String(line));
      return true;
    });
    try {
      delete process.env.LOG_LEVEL;
      process.env.AWS_LAMBDA_LOG_LEVEL = "warn";
      const lambdaControlled = createLogger("svc");
      lambdaControlled.info("hidden");
      lambdaControlled.warn("shown");
      process.env.LOG_LEVEL = "ERROR";
      const ours = createLogger("svc");
      ours.warn("hidden");
      ours.error("shown too");
    } finally {
      write.mockRestore();
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    expect(written.map((line) => JSON.parse(line).message)).toEqual(["shown", "shown too"]);
  });
});

describe("request logs", () => {
  const fields = { requestId: "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==", method: "POST", route: "infer", model: "mnist", version: "1", status: 200, latencyMs: 0.043 };

  it("are the line info('request', fields) writes, field for field, and ERROR 'request failed' for a 5xx", () => {
    const fast = capture();
    const generic = capture();
    const cases = [
      fields,
      { ...fields, status: 503, latencyMs: 12 },
      { ...fields, requestId: undefined, route: undefined, model: undefined, version: undefined, status: 404 },
      { ...fields, model: 'we"ird\\name\u2028\n', version: "v\u0000", method: "DELETE" },
      { ...fields, latencyMs: Number.NaN },
      { ...fields, latencyMs: 1e21 },
    ];
    for (const request of cases) {
      fast.logger.request(request);
      if (request.status >= 500) generic.logger.error("request failed", request);
      else generic.logger.info("request", request);
    }
    const withoutTime = (line: string) => line.replace(/"timestamp":"[^"]+"/, "");
    expect(fast.lines.map(withoutTime)).toEqual(generic.lines.map(withoutTime));
    expect(fast.records().map((record) => [record.level, record.message])).toEqual([
      ["INFO", "request"], ["ERROR", "request failed"], ["INFO", "request"], ["INFO", "request"], ["INFO", "request"], ["INFO", "request"],
    ]);
    expect(fast.records()[3].model).toBe(cases[3].model);
  });

  it("follow the level: WARN keeps only failed requests, SILENT none", () => {
    const warnOnly = capture("WARN");
    warnOnly.logger.request(fields);
    warnOnly.logger.request({ ...fields, status: 500 });
    expect(warnOnly.records().map((record) => record.status)).toEqual([500]);
    const silent = capture("SILENT");
    silent.logger.request({ ...fields, status: 500 });
    expect(silent.lines).toEqual([]);
  });

  it("carry request id, route, model, version, status and latency, and never the tensors", async () => {
    const { logger, records } = capture();
    const { config, root } = runtimeConfigForModelsDir(join(__dirname, "../../../models"));
    const runtime = await new InferenceRuntime({ config, root, logger }).loadAll();
    const secret = 6.123456;
    const ok = await runtime.handle({
      method: "POST",
      path: "/v2/models/iris/infer",
      requestId: "req-42",
      body: JSON.stringify({ inputs: [{ name: "features", datatype: "FP32", shape: [1, 4], data: [secret, 2.9, 4.5, 1.5] }] }),
    });
    const bad = await runtime.handle({ method: "POST", path: "/v2/models/iris/infer", requestId: "req-43", body: "{" });
    expect([ok.status, bad.status]).toEqual([200, 400]);

    const requests = records().filter((record) => record.message === "request");
    expect(requests).toEqual([
      expect.objectContaining({ level: "INFO", requestId: "req-42", method: "POST", route: "infer", model: "iris", version: "1", status: 200, latencyMs: expect.any(Number) }),
      expect.objectContaining({ level: "INFO", requestId: "req-43", route: "infer", model: "iris", status: 400 }),
    ]);
    const everything = JSON.stringify(records());
    expect(everything).not.toContain(String(secret));
    expect(everything).not.toContain("features");
  });
});

describe("isoTimestamp", () => {
  it("equals Date#toISOString across seconds, milliseconds and the epoch's edges", () => {
    const samples = [0, 1, 9, 10, 99, 100, 999, 1000, 1001, Date.UTC(2026, 10, 22, 23, 59, 59, 999), Date.UTC(2026, 10, 23), 253402300799999];
    for (let i = 0; i < 2000; i++) samples.push(Math.floor(Math.random() * 4e12));
    for (const ms of samples) expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
  });
});
