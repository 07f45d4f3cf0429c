import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";

const REPOSITORY = resolve(__dirname, "..");

/** The repository this checkout was cloned from, when that is a folder on this machine. */
function localOrigin(): string | undefined {
  try {
    const url = execFileSync("git", ["-C", REPOSITORY, "remote", "get-url", "origin"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const path = url.startsWith("file://") ? url.slice("file://".length) : url;
    return isAbsolute(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

function findSharedFixtures(): { found?: string; tried: string[] } {
  const tried: string[] = [];
  const candidates = [
    () => process.env.EDGE_INFERENCE_SHARED_FIXTURES || undefined,
    () => resolve(REPOSITORY, "../shared/fixtures"),
    () => {
      const origin = localOrigin();
      return origin === undefined ? undefined : resolve(origin, "../shared/fixtures");
    },
  ];
  for (const candidate of candidates) {
    const path = candidate();
    if (path === undefined) continue;
    tried.push(path);
    if (existsSync(path)) return { found: path, tried };
  }
  return { tried };
}

/**
 * The real events, models and plans the tests run on live in `shared/fixtures` beside the
 * repository (as CI lays it out), never copied into it. A clone made elsewhere finds them beside
 * the local repository it was cloned from; EDGE_INFERENCE_SHARED_FIXTURES names them explicitly.
 */
const { found, tried } = findSharedFixtures();
if (found === undefined) {
  throw new Error(
    `shared fixtures not found (tried ${tried.join(", ")}): clone the repository next to shared/ (as CI does) or set EDGE_INFERENCE_SHARED_FIXTURES`,
  );
}
export const SHARED_FIXTURES: string = found;
