import { waitUntil as pollUntil } from '../../sandbox-engine/src/process/wait-until.js';

/**
 * Tests' wait: polls `probe` (every 50 ms) until it answers truthy, built on the engine's one
 * `waitUntil`. Unlike the engine's, it throws when time runs out, naming what it waited for and the
 * probe's last error (a probe that throws is asked again, as a page that is not ready yet).
 */
export async function waitUntil<T>(what: string, probe: () => Promise<T> | T, timeoutMs = 30_000): Promise<T> {
  let last: unknown;
  const answer = await pollUntil(
    async () => {
      try {
        // Any falsy answer ('' from a page not showing it yet, 0) means "not yet", as in the tests' own checks.
        return (await probe()) || undefined;
      } catch (error) {
        last = error;
        return undefined;
      }
    },
    { timeoutMs, intervalMs: 50 },
  );
  if (!answer) {
    throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `: ${String(last)}` : ''}`);
  }
  return answer as T;
}
