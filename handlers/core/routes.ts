/** The Open Inference Protocol REST routes this runtime answers. */
export type RouteKind = "server-metadata" | "server-live" | "server-ready" | "model-metadata" | "model-ready" | "infer";

export interface Route {
  readonly kind: RouteKind;
  readonly model?: string;
  readonly version?: string;
  /** Methods the route accepts; anything else is a 405. */
  readonly methods: readonly string[];
}

const MODEL_PATH = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?$/;

const FIXED: Readonly<Record<string, Route>> = {
  "/v2": { kind: "server-metadata", methods: ["GET"] },
  "/v2/health/live": { kind: "server-live", methods: ["GET"] },
  "/v2/health/ready": { kind: "server-ready", methods: ["GET"] },
};

/** The OIP route for a path (no query string), or undefined when the path is not one of ours. */
export function matchRoute(path: string): Route | undefined {
  const fixed = FIXED[path];
  if (fixed) return fixed;
  const match = MODEL_PATH.exec(path);
  if (!match) return undefined;
  const model = safeDecode(match[1]);
  const version = match[2] === undefined ? undefined : safeDecode(match[2]);
  if (model === undefined || (match[2] !== undefined && version === undefined)) return undefined;
  switch (match[3]) {
    case "/infer":
      return { kind: "infer", model, version, methods: ["POST", "GET"] };
    case "/ready":
      return { kind: "model-ready", model, version, methods: ["GET"] };
    default:
      return { kind: "model-metadata", model, version, methods: ["GET"] };
  }
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
