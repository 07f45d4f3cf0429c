/** An Open Inference Protocol error: answered as `{"error": message}` with `status`, never thrown past an adapter. */
export class OipError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra response headers, e.g. `allow` for 405. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = "OipError";
  }
}

export const badRequest = (message: string) => new OipError(400, message);
export const notFound = (message: string) => new OipError(404, message);
export const methodNotAllowed = (method: string, allowed: readonly string[]) =>
  new OipError(405, `method ${method} is not allowed here; use ${allowed.join(" or ")}`, { allow: allowed.join(", ") });
export const payloadTooLarge = (message: string) => new OipError(413, message);
export const unsupportedMediaType = (message: string) => new OipError(415, message);
export const unavailable = (message: string) => new OipError(503, message);
