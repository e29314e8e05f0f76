import type { IncomingMessage } from 'node:http';
import { isIPv6 } from 'node:net';

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

/**
 * "::ffff:127.0.0.1" and "127.0.0.1" are one client; so is a whole IPv6 /64 (one home or host
 * gets at least that many addresses, so per-address limits count the /64).
 */
function normalize(address: string): string {
  if (address.toLowerCase().startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
