import { shellQuote } from '../process/shell-quote.js';

/** Seconds a probe may wait for an answer: a second less than the check's budget, at least one. */
export function probeSeconds(timeoutMs: number, atMost = Number.POSITIVE_INFINITY): number {
  return Math.min(atMost, Math.max(1, Math.floor(timeoutMs / 1000) - 1));
}

/**
 * Tries a TCP connection to 127.0.0.1:`port` and prints the probe's exit code (0 connected, 124 no
 * answer in time, other: refused). The command itself always exits 0: 124 would otherwise read as
 * the shell's own timeout.
 */
export function tcpProbeCommand(port: number, seconds: number): string {
  return `timeout ${seconds} bash -c ${shellQuote(`</dev/tcp/127.0.0.1/${port}`)} 2>/dev/null; echo "$?"`;
}

/** GETs http://127.0.0.1:`port``path` (`-q`: not reading the learner's ~/.curlrc); prints the body, then a line with the HTTP status (000: none). */
export function httpProbeCommand(port: number, path: string, seconds: number): string {
  return `curl -q -sS -o - -w '\\n%{http_code}' --max-time ${seconds} ${shellQuote(`http://127.0.0.1:${port}${path}`)}`;
}

/** Splits what httpProbeCommand printed into the body and the status (0 when there was no answer). */
export function parseHttpProbeOutput(stdout: string): { status: number; body: string } {
  const lastNewline = stdout.lastIndexOf('\n');
  const status = Number.parseInt(stdout.slice(lastNewline + 1).trim(), 10);
  return { status: Number.isNaN(status) ? 0 : status, body: lastNewline >= 0 ? stdout.slice(0, lastNewline) : '' };
}

/** The exit code tcpProbeCommand printed (-1 when it printed none). */
export function parseTcpProbeOutput(stdout: string): number {
  const code = Number.parseInt(stdout.trim().split('\n').at(-1) ?? '', 10);
  return Number.isNaN(code) ? -1 : code;
}
