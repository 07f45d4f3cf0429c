/**
 * npm run serve [-- <environment>]: the synthesized distribution of one environment (default dev) on
 * http://127.0.0.1:${PORT:-8080}, offline, with no AWS credentials. Reads CDKTF_OUTDIR when set, like synth.
 */
import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { listEnvironments } from "../../src/config/load";
import { ProblemsError } from "../../src/problems";
import { serve, type RunningEmulator } from "./emulator";

const PROJECT_ROOT = resolve(__dirname, "../..");
/** Each stops the server and removes the extracted functions; Node's 'exit' hook does not run on a signal. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGHUP", "SIGINT", "SIGTERM"];
const USAGE = "usage: npm run serve [-- <environment>]   (default dev; PORT sets the port, default 8080)";

function shown(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere !== "" && !fromHere.startsWith("..") ? fromHere : path;
}

/** Checks what can be checked before loading anything; each failure is one line. */
function resolveServeOptions(argv: readonly string[], env: NodeJS.ProcessEnv, projectRoot = PROJECT_ROOT): { environment: string; port: number; outdir: string; stack: string } {
  const flags = argv.filter((arg) => arg.startsWith("-"));
  const positional = argv.filter((arg) => !arg.startsWith("-"));
  if (flags.length > 0) throw new ProblemsError([`unknown option ${flags[0]}; ${USAGE}`]);
  if (positional.length > 1) throw new ProblemsError([`give one environment, not ${positional.length}; ${USAGE}`]);
  const environment = positional[0] ?? "dev";
  const known = listEnvironments(join(projectRoot, "config"));
  if (!/^[a-z0-9][a-z0-9-]*$/.test(environment) || !known.includes(environment)) {
    throw new ProblemsError([`unknown environment ${JSON.stringify(environment)}: config/ has ${known.length > 0 ? known.join(", ") : "none"}; ${USAGE}`]);
  }
  const rawPort = env.PORT ?? "8080";
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) throw new ProblemsError([`PORT ${JSON.stringify(rawPort)} is not a port number (0-65535)`]);
  const outdir = env.CDKTF_OUTDIR ?? join(projectRoot, "cdktf.out");
  const stack = `inference-${environment}`;
  const file = join(outdir, "stacks", stack, "cdk.tf.json");
  if (!existsSync(file)) {
    throw new ProblemsError([`no synthesized ${stack} (${shown(file)} is missing); run npm run synth first (EDGE_INFERENCE_ENVS=${environment} npm run synth for this environment only)`]);
  }
  return { environment, port, outdir, stack };
}

function listenProblem(error: NodeJS.ErrnoException, host: string, port: number): string {
  if (error.code === "EADDRINUSE") return `port ${port} on ${host} is in use; stop what is using it or pick another with PORT=<port>`;
  if (error.code === "EACCES") return `not allowed to listen on ${host}:${port}; pick a port above 1023 with PORT=<port>`;
  return `cannot listen on ${host}:${port}: ${error.message}`;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { port, outdir, stack } = resolveServeOptions(argv, process.env);
  // Listening from the start: a signal that arrives while the functions load stops the server once they have.
  const stopped = new Promise<void>((resolveStop) => {
    for (const signal of STOP_SIGNALS) process.once(signal, () => resolveStop());
  });
  const host = "127.0.0.1";
  let running: RunningEmulator;
  try {
    running = await serve({
      outdir,
      stack,
      host,
      port,
      watch: {
        onReload: (error) =>
          process.stderr.write(
            error === undefined
              ? `serve: reloaded ${stack} from a new synth (cache kept)\n`
              : `serve: reload failed, still serving the previous synth: ${error instanceof ProblemsError ? error.problems.join("; ") : (error as Error).message}\n`,
          ),
      },
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") throw new ProblemsError([listenProblem(error as NodeJS.ErrnoException, host, port)]);
    throw error;
  }
  const { distribution } = running.emulator;
  process.stderr.write(`serve: ${stack} (${distribution.domainName}) listening on ${running.url}; one JSON line per request on stdout\n`);
  if (distribution.notEmulated.length > 0) process.stderr.write(`serve: not emulated: ${distribution.notEmulated.join("; ")}\n`);
  process.stderr.write(`serve: try curl -s ${running.url}/v2/health/ready\n`);
  await stopped;
  await running.close();
  return 0;
}

// A closed stderr must not end the server; stdout is handled where the request log is written.
process.stderr.on("error", () => undefined);

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ProblemsError) {
      for (const problem of error.problems) process.stderr.write(`serve: ${problem}\n`);
    } else {
      process.stderr.write(`serve: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}\n`);
      if (process.env.EDGE_INFERENCE_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    }
    process.exitCode = 1;
  },
);
