import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { ConfigError, describeIssue } from "./errors";
import { modelFolderProblem, resolveModels, type ModelArtifact } from "./models";
import { environmentConfigSchema, type EnvironmentConfig } from "./schema";

export interface LoadedEnvironment {
  readonly file: string;
  readonly config: EnvironmentConfig;
  readonly models: readonly ModelArtifact[];
}

export interface LoadOptions {
  readonly configDir: string;
  readonly modelsRoot: string;
}

export function listEnvironments(configDir: string): string[] {
  if (!existsSync(configDir)) return [];
  return readdirSync(configDir)
    .filter((file) => file.endsWith(".json"))
    .map((file) => file.slice(0, -".json".length))
    .sort();
}

/** Reads, validates and resolves one environment's config. Every problem found is in the thrown ConfigError. */
export function loadEnvironment(environment: string, options: LoadOptions): LoadedEnvironment {
  const path = join(options.configDir, `${environment}.json`);
  // Shown relative to the project root, so messages read the same from any working directory.
  const file = relative(dirname(options.configDir), path);
  if (!existsSync(path)) {
    const known = listEnvironments(options.configDir);
    throw new ConfigError([`${file}: no such environment file; known environments: ${known.join(", ") || "(none)"}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError([`${file}: not valid JSON (${(error as Error).message})`]);
  }
  const parsed = environmentConfigSchema.safeParse(raw);
  if (!parsed.success) {
    // Model folders are checked even when other fields are wrong, so one run reports every problem.
    const models = (raw as { models?: unknown }).models;
    const folderProblems =
      models !== null && typeof models === "object" && !Array.isArray(models)
        ? Object.keys(models)
            .sort()
            .flatMap((name) => modelFolderProblem(options.modelsRoot, name, file) ?? [])
        : [];
    throw new ConfigError([...parsed.error.issues.map((issue) => describeIssue(file, issue)), ...folderProblems]);
  }
  const config = parsed.data;
  const problems: string[] = [];
  if (config.environment !== environment) {
    problems.push(`${file}: environment: must be "${environment}" to match the file name (got "${config.environment}")`);
  }
  const { artifacts, problems: modelProblems } = resolveModels(options.modelsRoot, config.models, file);
  problems.push(...modelProblems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { file, config, models: artifacts };
}
