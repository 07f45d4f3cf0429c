import { mkdtempSync, rmSync, statSync, unwatchFile, watchFile } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ResponseCache } from "./caching";
import { loadDistribution, type EmulatedDistribution } from "./distribution";
import { EdgeEmulator } from "./edge-emulator";
import { loadLambda, type LoadedLambda } from "./lambda-bundle";
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
  private current: EdgeEmulator;
  private readonly workDir: string;
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

  /** The synth output as it is now, keeping the cache; functions whose zip is unchanged stay loaded. */
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
    const lambdas = new Map<string, LoadedLambda>();
    for (const fn of distribution.lambdas.values()) {
      const identity = `${fn.address}@${fn.sourceCodeHash}@${fn.handler}@${fn.timeoutSeconds}`;
      let lambda = this.loaded.get(identity);
      if (!lambda) {
        lambda = loadLambda(fn, join(this.workDir, String(this.generation)), { logLevel: this.options.handlerLogLevel ?? "WARN" });
        this.loaded.set(identity, lambda);
      }
      lambdas.set(fn.address, lambda);
    }
    return new EdgeEmulator({ distribution, lambdas, cache: this.cache });
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

/** Loads the stack and listens; rejects with the listen error (EADDRINUSE, ...) after cleaning up. */
export async function serve(options: ServeOptions): Promise<RunningEmulator> {
  const log = options.log ?? ((entry: RequestLog) => void process.stdout.write(`${JSON.stringify(entry)}\n`));
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
