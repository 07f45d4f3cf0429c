/** What the runtime logs of every request it answers; never tensor values. */
export interface RequestLogFields {
  readonly requestId: string | undefined;
  readonly method: string;
  readonly route: string | undefined;
  readonly model: string | undefined;
  readonly version: string | undefined;
  readonly status: number;
  readonly latencyMs: number;
}

/** The part of a logger the runtime uses; tests and benchmarks may pass their own. */
export interface RuntimeLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
  /** The one line per request: INFO "request", or ERROR "request failed" for a 5xx. */
  request(fields: RequestLogFields): void;
}

export const silentLogger: RuntimeLogger = { info() {}, warn() {}, error() {}, request() {} };

export const LOG_LEVELS = ["DEBUG", "INFO", "WARN", "ERROR", "SILENT"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface JsonLinesLoggerOptions {
  readonly service: string;
  readonly level?: LogLevel;
  /** Receives one complete line, newline included. Defaults to a synchronous write to stdout. */
  readonly write?: (line: string) => void;
}

const writeStdout = (line: string) => void process.stdout.write(line);

/**
 * One JSON object per line, with Powertools Logger's key names (level, message, timestamp, service)
 * so CloudWatch Logs Insights queries work the same. Not Powertools itself: it measured 7.5 us a line
 * against 2.2 us here, and the request log is on the path the latency budget covers.
 */
export function createJsonLinesLogger(options: JsonLinesLoggerOptions): RuntimeLogger {
  const threshold = LOG_LEVELS.indexOf(options.level ?? "INFO");
  const write = options.write ?? writeStdout;
  const service = JSON.stringify(options.service);
  const enabled = (level: LogLevel) => LOG_LEVELS.indexOf(level) >= threshold;
  const emitter = (level: LogLevel) => {
    if (!enabled(level)) return () => {};
    const head = `{"level":"${level}","message":`;
    return (message: string, extra?: Record<string, unknown>) => {
      const body = extra === undefined ? "{}" : safeStringify(extra);
      const fields = body.length <= 2 ? "}" : `,${body.slice(1)}`;
      write(`${head}${JSON.stringify(message)},"timestamp":"${isoTimestamp(Date.now())}","service":${service}${fields}\n`);
    };
  };
  // The request line is written field by field: the same JSON as info("request", fields) would give,
  // without serialising a generic object on the path the latency budget covers.
  const requestHead = enabled("INFO") ? '{"level":"INFO","message":"request","timestamp":"' : undefined;
  const failedHead = enabled("ERROR") ? '{"level":"ERROR","message":"request failed","timestamp":"' : undefined;
  const request = (fields: RequestLogFields) => {
    const head = fields.status >= 500 ? failedHead : requestHead;
    if (head === undefined) return;
    write(
      `${head}${isoTimestamp(Date.now())}","service":${service}${optionalString("requestId", fields.requestId)},"method":${JSON.stringify(fields.method)}` +
        `${optionalString("route", fields.route)}${optionalString("model", fields.model)}${optionalString("version", fields.version)}` +
        `,"status":${finiteOrNull(fields.status)},"latencyMs":${finiteOrNull(fields.latencyMs)}}\n`,
    );
  };
  return { info: emitter("INFO"), warn: emitter("WARN"), error: emitter("ERROR"), request };
}

function optionalString(key: string, value: string | undefined): string {
  return value === undefined ? "" : `,"${key}":${JSON.stringify(value)}`;
}

/** JSON.stringify's spelling of a number: null for NaN and the infinities. */
function finiteOrNull(value: number): string {
  return Number.isFinite(value) ? String(value) : "null";
}

let cachedSecond = -1;
let cachedPrefix = "";

/** Date#toISOString, reusing the text up to the second: formatting a Date costs more than the rest of a line. */
export function isoTimestamp(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const millis = epochMs - second * 1000;
  return `${cachedPrefix}${millis < 10 ? "00" : millis < 100 ? "0" : ""}${millis}Z`;
}

/** A log call must never throw: BigInts become strings, and anything unserialisable is named instead. */
function safeStringify(fields: Record<string, unknown>): string {
  try {
    return JSON.stringify(fields);
  } catch {
    try {
      return JSON.stringify(fields, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
    } catch (error) {
      return JSON.stringify({ logError: `fields could not be serialised: ${(error as Error).message}` });
    }
  }
}

function levelFromEnvironment(): LogLevel {
  // LOG_LEVEL is ours; AWS_LAMBDA_LOG_LEVEL is what Lambda's advanced logging controls set (regional only:
  // Lambda@Edge has no environment variables, so there it is INFO). Under jest the default is SILENT.
  const named = (process.env.LOG_LEVEL ?? process.env.AWS_LAMBDA_LOG_LEVEL)?.toUpperCase();
  if (named === "WARNING") return "WARN";
  if ((LOG_LEVELS as readonly string[]).includes(named ?? "")) return named as LogLevel;
  return process.env.JEST_WORKER_ID ? "SILENT" : "INFO";
}

export function createLogger(service: string): RuntimeLogger {
  return createJsonLinesLogger({ service, level: levelFromEnvironment() });
}
