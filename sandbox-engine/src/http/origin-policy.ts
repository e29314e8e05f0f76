import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { hostname } from 'node:os';

/**
 * Host names a server without ALLOWED_ORIGINS answers to: IP addresses, localhost and this
 * machine's own name. A page on any other name reached this server by DNS rebinding (the
 * attacker's domain pointed at it), so its Origin would match its Host.
 */
export function defaultHostAllowed(host: string | undefined, machineName = hostname()): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  const lower = name.toLowerCase();
  return isIP(name) !== 0 || lower === 'localhost' || lower.endsWith('.localhost') || lower === machineName.toLowerCase();
}

/**
 * Whether a request may act for a learner: it comes from the site's own pages, never from another
 * origin such as a learner's app in the port preview (same host name, other port: the same *site*
 * for cookies and SameSite, but another *origin*).
 *
 * Browsers name the page's origin in `Origin` (every WebSocket handshake and every non-GET fetch)
 * and say in `Sec-Fetch-Site` how it relates to the target. Allowed: no Origin and no
 * Sec-Fetch-Site (not a browser: it has no learner's key to abuse), `Sec-Fetch-Site: same-origin`
 * or `none`, and an Origin in `allowed` or, when that list is empty, whose host is the Host the
 * request was sent to, which must then be an IP address, localhost or this machine's name
 * (anything else came by DNS rebinding: set ALLOWED_ORIGINS to serve under a domain name).
 */
export function originAllowed(headers: IncomingHttpHeaders, allowed: readonly string[]): { ok: true } | { ok: false; reason: string } {
  const fetchSite = headers['sec-fetch-site'];
  if (typeof fetchSite === 'string' && fetchSite !== 'same-origin' && fetchSite !== 'none') {
    return { ok: false, reason: `a request from another origin (Sec-Fetch-Site: ${fetchSite})` };
  }
  const origin = headers.origin;
  if (allowed.length > 0) {
    if (origin === undefined) return { ok: true };
    return allowed.includes(origin) ? { ok: true } : { ok: false, reason: `origin ${origin} is not in ALLOWED_ORIGINS` };
  }
  if (!defaultHostAllowed(headers.host)) {
    return { ok: false, reason: `this server answers to IP addresses, localhost and ${hostname()} only, not ${headers.host ?? 'no host'}: set ALLOWED_ORIGINS to serve it under a domain name` };
  }
  if (origin === undefined) return { ok: true };
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return { ok: false, reason: `origin ${JSON.stringify(origin)} is not this site` };
  }
  return host !== '' && host === headers.host ? { ok: true } : { ok: false, reason: `origin ${origin} is not this site` };
}
