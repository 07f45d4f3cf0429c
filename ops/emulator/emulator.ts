import { mkdtempSync, readdirSync, rmSync, statSync, unwatchFile, watchFile } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ResponseCache } from "./caching";
import { loadDistribution, type EmulatedDistribution } from "./distribution";
import { EdgeEmulator } from "./edge-emulator";
import { loadLambda, unloadDirectory, type LoadedLambda } from "./lambda-bundle";
import { createEdgeServer, type RequestLog } from "./server";

export interface EmulatorOptions {
  /** cdktf.out */
  readonly outdir: string;
  /** e.g. inference-dev */
  readonly stack: string;
  /** Level the handlers' own JSON logs start at (their LOG_LEVEL), unless LOG_LEVEL is set; default WARN. */
  readonly handlerLogLevel?: string;
  readonly cache?: ResponseCache;
}

/**
 * The emulated edge of one synthesized stack: its distribution model, the functions loaded from
 * their zips (extracted under a temporary directory removed by `dispose`), and a cache that
 * outlives reloads, as an edge cache outlives a deployment.
 */
export class Emulator {
  readonly cache: ResponseCache;
  /** Where the functions are extracted: one directory per load generation, each function in its own. */
  readonly workDir: string;
  private current: EdgeEmulator;
  /** By identity (address, code hash, handler, timeout): what the current generation runs, nothing more. */
  private readonly loaded = new Map<string, LoadedLambda>();
  private generation = 0;

  private constructor(private readonly options: EmulatorOptions) {
    this.cache = options.cache ?? new ResponseCache();
    this.workDir = mkdtempSync(join(tmpdir(), "edge-inference-emulator-"));
    try {
      this.current = this.build();
    } catch (error) {
      this.dispose();
      throw error;
    }
  }

  static load(options: EmulatorOptions): Emulator {
    return new Emulator(options);
  }

  get edge(): EdgeEmulator {
    return this.current;
  }

  get distribution(): EmulatedDistribution {
    return this.current.distribution;
  }

  /**
   * The synth output as it is now, keeping the cache; functions whose zip is unchanged stay loaded,
   * the others are unloaded and their files removed. A failed reload leaves the previous one running.
   */
  reload(): EdgeEmulator {
    this.current = this.build();
    return this.current;
  }

  dispose(): void {
    rmSync(this.workDir, { recursive: true, force: true });
  }

  private build(): EdgeEmulator {
    const distribution = loadDistribution(this.options.outdir, this.options.stack);
    this.generation += 1;
    const generationDir = join(this.workDir, String(this.generation));
    const lambdas = new Map<string, LoadedLambda>();
    const used = new Set<string>();
    const added: string[] = [];
    let edge: EdgeEmulator;
    try {
      for (const fn of distribution.lambdas.values()) {
        const identity = `${fn.address}@${fn.sourceCodeHash}@${fn.handler}@${fn.timeoutSeconds}`;
        let lambda = this.loaded.get(identity);
        if (!lambda) {
          lambda = loadLambda(fn, generationDir, { logLevel: this.options.handlerLogLevel ?? "WARN" });
          this.loaded.set(identity, lambda);
          added.push(identity);
        }
        used.add(identity);
        lambdas.set(fn.address, lambda);
      }
      edge = new EdgeEmulator({ distribution, lambdas, cache: this.cache });
    } catch (error) {
      for (const identity of added) this.loaded.delete(identity);
      unloadDirectory(generationDir);
      throw error;
    }
    for (const [identity, lambda] of this.loaded) {
      if (used.has(identity)) continue;
      this.loaded.delete(identity);
      unloadDirectory(lambda.taskRoot);
    }
    // Generations none of whose functions are still loaded.
    const live = new Set([...this.loaded.values()].map((lambda) => dirname(lambda.taskRoot)));
    for (const entry of readdirSync(this.workDir)) if (!live.has(join(this.workDir, entry))) rmSync(join(this.workDir, entry), { recursive: true, force: true });
    return edge;
  }
}

export interface RunningEmulator {
  readonly emulator: Emulator;
  readonly server: Server;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  close(): Promise<void>;
}

export interface ServeOptions extends EmulatorOptions {
  readonly host?: string;
  readonly port?: number;
  readonly log?: (entry: RequestLog) => void;
  /** Reload when the stack's cdk.tf.json changes (a new synth: a new "deployment"). */
  readonly watch?: { readonly intervalMs?: number; readonly onReload?: (error?: unknown) => void };
}

/**
 * One JSON line per request on stdout, until stdout closes (`npm run serve | head`): then logging
 * stops and serving goes on. `detach` removes the error listener.
 */
function stdoutLog(): { log: (entry: RequestLog) => void; detach: () => void } {
  let open = true;
  const onError = (error: NodeJS.ErrnoException) => {
    if (open && error.code !== "EPIPE") process.stderr.write(`serve: request log stopped: ${error.message}\n`);
    open = false;
  };
  process.stdout.on("error", onError);
  return {
    log: (entry) => {
      if (open) process.stdout.write(`${JSON.stringify(entry)}\n`);
    },
    detach: () => process.stdout.off("error", onError),
  };
}

/** Loads the stack and listens; rejects with the listen error (EADDRINUSE, ...) after cleaning up. */
export async function serve(options: ServeOptions): Promise<RunningEmulator> {
  const stdout = options.log === undefined ? stdoutLog() : undefined;
  try {
    const running = await listenAndLoad(options, options.log ?? stdout?.log ?? (() => undefined));
    return {
      ...running,
      close: async () => {
        await running.close();
        stdout?.detach();
      },
    };
  } catch (error) {
    stdout?.detach();
    throw error;
  }
}

async function listenAndLoad(options: ServeOptions, log: (entry: RequestLog) => void): Promise<RunningEmulator> {
  let loaded: Emulator | undefined;
  const server = createEdgeServer({ handle: (request) => (loaded as Emulator).edge.handle(request), log });
  const host = options.host ?? "127.0.0.1";
  // Listen first: a port in use must fail before any function is extracted or starts loading its models.
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8080, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  // Loading is synchronous, so it completes before the server handles its first request.
  try {
    loaded = Emulator.load(options);
  } catch (error) {
    server.close();
    throw error;
  }
  const emulator = loaded;
  const file = join(options.outdir, "stacks", options.stack, "cdk.tf.json");
  let watching = false;
  if (options.watch) {
    watching = true;
    let pending: NodeJS.Timeout | undefined;
    watchFile(file, { interval: options.watch.intervalMs ?? 500 }, (current) => {
      if (current.mtimeMs === 0) return; // between synth's two renames
      clearTimeout(pending);
      pending = setTimeout(() => {
        try {
          statSync(file);
          emulator.reload();
          options.watch?.onReload?.();
        } catch (error) {
          options.watch?.onReload?.(error);
        }
      }, 200);
    });
  }
  // Extracted functions are tens of MB; a process that ends without close() still removes them.
  const removeOnExit = () => emulator.dispose();
  process.once("exit", removeOnExit);
  const { port } = server.address() as AddressInfo;
  return {
    emulator,
    server,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if (watching) unwatchFile(file);
        process.off("exit", removeOnExit);
        server.closeAllConnections();
        server.close(() => {
          emulator.dispose();
          resolve();
        });
      }),
  };
}
