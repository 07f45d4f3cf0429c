import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

const ROOT = resolve(__dirname, "..");
const SOURCE_DIRS = ["src", "handlers", "models", "ops", "__tests__"];

function typeScriptFiles(dir: string): string[] {
  let found: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (entry === "node_modules") continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found = found.concat(typeScriptFiles(path));
    else if (entry.endsWith(".ts")) found.push(path);
  }
  return found;
}

const files = [join(ROOT, "main.ts"), ...SOURCE_DIRS.flatMap((dir) => typeScriptFiles(join(ROOT, dir)))];

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;

function specifiersOf(file: string): string[] {
  const source = readFileSync(file, "utf8");
  return Array.from(source.matchAll(SPECIFIER), (match) => match[1]);
}

function area(path: string): string {
  const parts = relative(ROOT, path).split(sep);
  return parts[0] === "handlers" ? `handlers/${parts[1]}` : parts[0];
}

describe("imports", () => {
  it("finds the project's TypeScript files", () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it("never loads the @cdktf/provider-aws barrel (about 5 s and 575 MB per process)", () => {
    const offenders = files.flatMap((file) =>
      specifiersOf(file)
        .filter((spec) => /^@cdktf\/provider-aws(\/lib)?\/?$/.test(spec))
        .map((spec) => `${relative(ROOT, file)} imports "${spec}"; import @cdktf/provider-aws/lib/<resource> instead`),
    );
    expect(offenders).toEqual([]);
  });

  it("keeps infrastructure and handler internals apart; only handlers/shared is common ground", () => {
    const offenders: string[] = [];
    for (const file of files) {
      const from = area(file);
      if (from === "__tests__" || from === "ops") continue;
      for (const spec of specifiersOf(file)) {
        if (!spec.startsWith(".")) continue;
        const to = area(resolve(dirname(file), spec));
        const infraToHandlers = (from === "src" || from === "main.ts") && to.startsWith("handlers/") && to !== "handlers/shared";
        const handlersToInfra = from.startsWith("handlers/") && (to === "src" || to === "main.ts");
        const sharedToOthers = from === "handlers/shared" && to !== "handlers/shared";
        if (infraToHandlers || handlersToInfra || sharedToOthers) {
          offenders.push(`${relative(ROOT, file)} -> ${spec}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
