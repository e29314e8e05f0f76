/**
 * Asks `probe` until it answers (anything but undefined, null or false), every `intervalMs`, for at
 * most `timeoutMs`; gives up early when `stopped()` names a reason. Resolves with the answer, or
 * undefined when it gave up: the caller says what did not happen, with what it knows (logs, the
 * last error). A probe that throws ends the wait with that error.
 */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  options: { timeoutMs: number; intervalMs: number; stopped?: () => boolean },
): Promise<T | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (options.stopped?.()) return undefined;
    const answer = await probe();
    if (answer !== undefined && answer !== null && answer !== false) return answer;
    if (Date.now() + options.intervalMs > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
}
