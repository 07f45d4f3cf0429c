/** Where build progress goes. */
export interface Progress {
  /** A step in progress; shown only on a terminal, where the next step overwrites it. */
  step(text: string): void;
  /** A result worth keeping on screen (and in CI logs). */
  done(text: string): void;
}

export const silentProgress: Progress = { step: () => {}, done: () => {} };

/** Progress on stderr: live steps on a terminal, otherwise one line per finished bundle. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const live = stream.isTTY === true;
  let pending = false;
  const clear = () => {
    if (pending) stream.write("\r\x1b[2K");
    pending = false;
  };
  return {
    step(text) {
      if (!live) return;
      clear();
      stream.write(`build: ${text}`);
      pending = true;
    },
    done(text) {
      clear();
      stream.write(`build: ${text}\n`);
    },
  };
}
