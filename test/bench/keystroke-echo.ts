/** A terminal keystrokes can be typed into: the socket.io page path, or a `docker exec -it` TTY. */
export interface KeyTarget {
  write(data: string): void;
  /** Calls `listener` with each piece of output; returns the unsubscribe. */
  onOutput(listener: (data: string) => void): () => void;
}

export interface EchoOptions {
  /** Keystrokes to time. */
  count: number;
  /** Pause after each echo (a typist's rhythm), ms. */
  intervalMs: number;
  /** The line is cleared (Ctrl-U) after this many keystrokes, so it never wraps. */
  lineChars?: number;
  /** One keystroke's echo is given up after this long (counted as this long). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Typed at a shell prompt and never run: a comment, cleared with Ctrl-U. */
const PROBE_TEXT = '# keystroke echo probe abcdefghijklmnopqrstuvwxyz';
const CLEAR_LINE = '\x15';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once the target printed nothing for `quietMs` (at most `maxMs`). */
export async function waitQuiet(target: KeyTarget, quietMs: number, maxMs = 5000): Promise<void> {
  let last = performance.now();
  const off = target.onOutput(() => (last = performance.now()));
  const until = performance.now() + maxMs;
  try {
    while (performance.now() - last < quietMs && performance.now() < until) await sleep(Math.max(5, quietMs / 4));
  } finally {
    off();
  }
}

/** Time from writing one character to the first output after it (the shell's echo), in ms. */
function oneKeystroke(target: KeyTarget, key: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const started = performance.now();
    const timer = setTimeout(() => (off(), resolve(timeoutMs)), timeoutMs);
    const off = target.onOutput(() => {
      clearTimeout(timer);
      off();
      resolve(performance.now() - started);
    });
    target.write(key);
  });
}

/**
 * Types single characters into a shell idling at its prompt, one at a time, and times each echo:
 * keystroke → the same character back on the screen. The shell must be at a quiet prompt (readline
 * echoes at once); the line is cleared every `lineChars` keystrokes and at the end.
 */
export async function measureKeystrokeEcho(target: KeyTarget, options: EchoOptions): Promise<number[]> {
  const lineChars = options.lineChars ?? 40;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const samples: number[] = [];
  let onLine = 0;
  for (let index = 0; index < options.count && !options.signal?.aborted; index++) {
    const key = PROBE_TEXT[onLine % PROBE_TEXT.length]!;
    samples.push(await oneKeystroke(target, key, timeoutMs));
    onLine += 1;
    if (onLine >= lineChars) {
      target.write(CLEAR_LINE);
      await waitQuiet(target, 100);
      onLine = 0;
    }
    if (options.intervalMs > 0) await sleep(options.intervalMs);
  }
  if (onLine > 0) {
    target.write(CLEAR_LINE);
    await waitQuiet(target, 100);
  }
  return samples;
}
