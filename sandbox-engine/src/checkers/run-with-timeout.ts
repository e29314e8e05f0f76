/** How a task run by runWithTimeout ended. */
export type TimedResult<T> =
  | { status: 'done'; value: T }
  | { status: 'failed'; error: unknown }
  | { status: 'timed-out' }
  | { status: 'cancelled' };

/**
 * Runs `task` with a signal that aborts after `timeoutMs` or when `outer` aborts, and settles at
 * that moment even if the task ignores its signal. Never rejects: a throw is `failed`.
 */
export async function runWithTimeout<T>(
  task: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  outer?: AbortSignal,
): Promise<TimedResult<T>> {
  if (outer?.aborted) return { status: 'cancelled' };
  const controller = new AbortController();
  let stop!: (result: TimedResult<T>) => void;
  const stopped = new Promise<TimedResult<T>>((resolve) => (stop = resolve));
  // Settle first, then abort: whatever the task does on abort comes too late to win the race.
  const timer = setTimeout(() => {
    stop({ status: 'timed-out' });
    controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  const onOuterAbort = () => {
    stop({ status: 'cancelled' });
    controller.abort(outer?.reason);
  };
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  try {
    const work = Promise.resolve()
      .then(() => task(controller.signal))
      .then(
        (value): TimedResult<T> => ({ status: 'done', value }),
        (error: unknown): TimedResult<T> => ({ status: 'failed', error }),
      );
    return await Promise.race([stopped, work]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  }
}
