const MINUTE = 60_000;

/** "less than a minute", "5 min", "1 h", "1 h 52 min": minutes are rounded up. */
export function formatDuration(ms: number): string {
  if (ms < MINUTE) return 'less than a minute';
  const totalMinutes = Math.ceil(ms / MINUTE);
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  if (hours === 0) return `${minutes} min`;
  return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
}

/** Milliseconds from `now` until an ISO time, or undefined when the time does not parse. */
export function msUntil(iso: string, now: number = Date.now()): number | undefined {
  const at = Date.parse(iso);
  return Number.isNaN(at) ? undefined : at - now;
}
