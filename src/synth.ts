import { App } from "cdktf";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { buildHandlerBundles, buildViewerRequestCode, type HandlerBundles, type ViewerRequestCode } from "./build";
import { ConfigError } from "./config/errors";
import { listEnvironments, loadEnvironment, type LoadedEnvironment } from "./config/load";
import { addGuardrails } from "./guardrails";
import { BootstrapStateStack } from "./stacks/bootstrap-state-stack";
import { InferenceStack } from "./stacks/inference-stack";

/** Terraform's working files in a stack folder, which a new synth must keep: providers, lock file, local state. */
function isTerraformFile(name: string): boolean {
  return name === ".terraform" || name === ".terraform.lock.hcl" || name === ".terraform.tfstate.lock.info" || /\.tfstate(\.backup)?$/.test(name);
}

function carryOverTerraformFiles(previousOutdir: string, outdir: string): void {
  const stacks = join(previousOutdir, "stacks");
  if (!existsSync(stacks)) return;
  for (const stack of readdirSync(stacks)) {
    for (const name of readdirSync(join(stacks, stack)).filter(isTerraformFile)) {
      mkdirSync(join(outdir, "stacks", stack), { recursive: true });
      renameSync(join(stacks, stack, name), join(outdir, "stacks", stack, name));
    }
  }
}

export interface SynthOptions {
  readonly projectRoot: string;
  /** Where cdktf.out goes; defaults to CDKTF_OUTDIR (set by cdktf-cli) or <projectRoot>/cdktf.out. */
  readonly outdir?: string;
  /** Environments to synthesize; all files in config/ when omitted. */
  readonly environments?: readonly string[];
}

export interface SynthResult {
  readonly outdir: string;
  readonly stacks: readonly string[];
}

export function loadEnvironments(projectRoot: string, environments?: readonly string[]): LoadedEnvironment[] {
  const configDir = join(projectRoot, "config");
  const names = environments ?? listEnvironments(configDir);
  if (names.length === 0) throw new ConfigError([`${configDir}: no environment files (expected e.g. config/dev.json)`]);
  const loaded: LoadedEnvironment[] = [];
  const problems: string[] = [];
  for (const name of names) {
    try {
      loaded.push(loadEnvironment(name, { configDir, modelsRoot: join(projectRoot, "models") }));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return loaded;
}

/** cdktf-cli passes cdktf.json's context through the environment; a direct `tsx main.ts` must read it itself. */
function cdktfContext(projectRoot: string): Record<string, unknown> {
  const file = join(projectRoot, "cdktf.json");
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")).context ?? {}) : {};
}

/**
 * Synthesizes every stack into a staging directory beside the output and swaps it in only when
 * synthesis and validation succeeded, so a failed synth never leaves a half-written cdktf.out.
 */
export async function synthesize(options: SynthOptions): Promise<SynthResult> {
  const outdir = options.outdir ?? process.env.CDKTF_OUTDIR ?? join(options.projectRoot, "cdktf.out");
  const environments = loadEnvironments(options.projectRoot, options.environments);
  const built: { environment: LoadedEnvironment; bundles: HandlerBundles; viewerRequest: ViewerRequestCode }[] = [];
  for (const environment of environments) {
    const { config, models } = environment;
    const bundles = await buildHandlerBundles({ projectRoot: options.projectRoot, config, models });
    const viewerRequest = await buildViewerRequestCode({ projectRoot: options.projectRoot, models });
    built.push({ environment, bundles, viewerRequest });
  }

  const staging = join(dirname(outdir), `.${basename(outdir)}.staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const app = new App({ outdir: staging, stackTraces: false, context: cdktfContext(options.projectRoot) });
    const stacks: string[] = [];
    for (const { environment, bundles, viewerRequest } of built) {
      const { config } = environment;
      const state = new BootstrapStateStack(app, `state-${config.environment}`, { config });
      const inference = new InferenceStack(app, `inference-${config.environment}`, { environment, bundles, viewerRequest });
      stacks.push(state.node.id, inference.node.id);
    }
    addGuardrails(app);
    app.synth();
    const previous = `${staging}.previous`;
    if (existsSync(outdir)) renameSync(outdir, previous);
    renameSync(staging, outdir);
    // After the swap: if this throws, `previous` still holds the files.
    carryOverTerraformFiles(previous, outdir);
    rmSync(previous, { recursive: true, force: true });
    return { outdir, stacks };
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}
