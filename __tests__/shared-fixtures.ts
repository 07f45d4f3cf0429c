import { existsSync } from "node:fs";
import { resolve } from "node:path";

/**
 * The real events, models and plans the tests run on live in `shared/fixtures` beside the
 * repository (as CI lays it out), never copied into it.
 */
export const SHARED_FIXTURES = resolve(__dirname, "../../shared/fixtures");

if (!existsSync(SHARED_FIXTURES)) {
  throw new Error(`shared fixtures not found at ${SHARED_FIXTURES}: clone the repository next to shared/ (as CI does)`);
}
