import type { IncomingMessage } from 'node:http';

/**
 * The client's network address: the TCP peer, or behind `trustedHops` reverse proxies the entry
 * that many places from the right of X-Forwarded-For (what the outermost trusted proxy saw).
 * Entries further left are written by the client and never trusted.
 */
export function clientAddress(req: Pick<IncomingMessage, 'headers' | 'socket'>, trustedHops: number): string {
  const peer = normalize(req.socket.remoteAddress ?? 'unknown');
  if (trustedHops === 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const entry = forwarded[forwarded.length - trustedHops];
  return entry ? normalize(entry) : peer;
}

/** "::ffff:127.0.0.1" and "127.0.0.1" are one client. */
function normalize(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
