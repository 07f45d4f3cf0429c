import { spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { ProblemsError } from "../../src/problems";

/** The S3 backend's `use_lockfile` (S3-native locking) needs 1.10; the project says 1.11, as the README does. */
export const MINIMUM_TERRAFORM = [1, 11] as const;
const INSTALL_HINT =
  "install Terraform >= 1.11 (https://developer.hashicorp.com/terraform/install) and put it on PATH, or set TERRAFORM_BINARY_NAME to its name or path";

/** How many trailing stderr lines an error quotes. */
const STDERR_TAIL_LINES = 12;

export interface Terraform {
  readonly binary: string;
  readonly version: string;
}

/**
 * Finds the binary named by TERRAFORM_BINARY_NAME (a name looked up on PATH, or a path), else
 * `terraform` on PATH. Looking it up first gives one clear line instead of a spawn ENOENT.
 */
export function findTerraform(env: NodeJS.ProcessEnv = process.env): string {
  const requested = env.TERRAFORM_BINARY_NAME?.trim();
  const name = requested || "terraform";
  const found = name.includes("/") ? (isExecutable(resolve(name)) ? resolve(name) : undefined) : searchPath(name, env.PATH ?? "");
  if (found) return found;
  const what = requested ? `TERRAFORM_BINARY_NAME=${JSON.stringify(requested)}: not found or not executable` : "terraform not found on PATH";
  throw new ProblemsError([`${what}: ${INSTALL_HINT}`]);
}

function searchPath(name: string, path: string): string | undefined {
  for (const directory of path.split(delimiter)) {
    if (directory === "" || !isAbsolute(directory)) continue;
    const candidate = join(directory, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Parses `terraform version -json` (OpenTofu answers in the same shape) and refuses versions below 1.11. */
export function checkVersion(binary: string, versionJson: string): string {
  let version: unknown;
  try {
    version = (JSON.parse(versionJson) as { terraform_version?: unknown }).terraform_version;
  } catch {
    version = undefined;
  }
  const match = typeof version === "string" ? /^v?(\d+)\.(\d+)\.(\d+)/.exec(version) : null;
  if (!match || typeof version !== "string") {
    throw new ProblemsError([`${binary}: could not read its version from \`version -json\`; is it Terraform? ${INSTALL_HINT}`]);
  }
  const [major, minor] = [Number(match[1]), Number(match[2])];
  const [needMajor, needMinor] = MINIMUM_TERRAFORM;
  if (major < needMajor || (major === needMajor && minor < needMinor)) {
    throw new ProblemsError([
      `${binary} is version ${version}; this project needs Terraform >= ${needMajor}.${needMinor} (the S3 backend's use_lockfile): ${INSTALL_HINT}`,
    ]);
  }
  return version;
}

export async function locateTerraform(env: NodeJS.ProcessEnv = process.env): Promise<Terraform> {
  const binary = findTerraform(env);
  const result = await runTerraform(binary, ["version", "-json"], { cwd: process.cwd(), capture: true, quiet: true });
  if (result.code !== 0) throw terraformFailed(binary, "version -json", result);
  return { binary, version: checkVersion(binary, result.stdout) };
}

export interface RunOptions {
  readonly cwd: string;
  /** Keep stdout (for `show -json`) instead of passing it to our stderr. */
  readonly capture?: boolean;
  /** Do not echo anything (version probing). */
  readonly quiet?: boolean;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  /** The last lines of stderr, for error messages. */
  readonly stderrTail: readonly string[];
}

/**
 * Runs terraform non-interactively. Its human output goes to our stderr (stdout is kept for the
 * tool's own results), and the tail of its stderr is kept for error messages.
 */
export function runTerraform(binary: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(binary, args, {
      cwd: options.cwd,
      env: { ...process.env, TF_IN_AUTOMATION: "1", TF_INPUT: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    let stderrText = "";
    child.stdout.on("data", (chunk: Buffer) => {
      if (options.capture) stdout.push(chunk);
      else if (!options.quiet) process.stderr.write(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (!options.quiet) process.stderr.write(chunk);
      stderrText = (stderrText + chunk.toString("utf8")).slice(-16384);
    });
    child.on("error", (error) => reject(new ProblemsError([`could not run ${binary}: ${error.message}; ${INSTALL_HINT}`])));
    child.on("close", (code, signal) => {
      const lines = stderrText
        .replace(/\u001b\[[0-9;]*m/g, "")
        .split(/\r?\n/)
        .map((line) => line.trimEnd())
        .filter((line) => line.trim() !== "");
      resolvePromise({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderrTail: lines.slice(-STDERR_TAIL_LINES),
      });
    });
  });
}

/** One line naming the command and exit code, then terraform's last stderr lines, indented. */
export function terraformFailed(where: string, command: string, result: RunResult): ProblemsError {
  const tail = result.stderrTail.length > 0 ? result.stderrTail.map((line) => `  | ${line}`) : ["  | (terraform printed nothing on stderr)"];
  return new ProblemsError([`${where}: terraform ${command} failed (exit ${result.code}):`, ...tail]);
}
