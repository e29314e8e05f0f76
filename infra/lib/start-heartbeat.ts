/** Calls `log(message())` every `everyMs` until the returned function is called. */
export function startHeartbeat(log: (line: string) => void, everyMs: number, message: () => string): () => void {
  const timer = setInterval(() => log(message()), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Seconds since `started`, one decimal. */
export function secondsSince(started: number): string {
  return ((Date.now() - started) / 1000).toFixed(1);
}
