import { Logger } from "@aws-lambda-powertools/logger";

/** The part of a logger the runtime uses; Powertools' Logger satisfies it, tests may pass their own. */
export interface RuntimeLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export const silentLogger: RuntimeLogger = { info() {}, warn() {}, error() {} };

/**
 * Structured JSON logs via Powertools. POWERTOOLS_LOG_LEVEL sets the level; under jest the default is
 * SILENT so test output stays readable. Lambda@Edge has no environment variables, so there it is INFO.
 */
export function createLogger(serviceName: string): RuntimeLogger {
  const level = process.env.POWERTOOLS_LOG_LEVEL ?? (process.env.JEST_WORKER_ID ? "SILENT" : "INFO");
  const logger = new Logger({ serviceName, logLevel: level as "INFO" });
  return {
    info: (message, extra = {}) => logger.info(message, extra),
    warn: (message, extra = {}) => logger.warn(message, extra),
    error: (message, extra = {}) => logger.error(message, extra),
  };
}
