import type { IncomingHttpHeaders } from 'node:http';

/**
 * Whether a request may act for a learner: it comes from the site's own pages, never from another
 * origin such as a learner's app in the port preview (same host name, other port: the same *site*
 * for cookies and SameSite, but another *origin*).
 *
 * Browsers name the page's origin in `Origin` (every WebSocket handshake and every non-GET fetch)
 * and say in `Sec-Fetch-Site` how it relates to the target. Allowed: no Origin and no
 * Sec-Fetch-Site (not a browser: it has no learner's key to abuse), `Sec-Fetch-Site: same-origin`
 * or `none`, and an Origin in `allowed` or, when that list is empty, whose host is the Host the
 * request was sent to.
 */
export function originAllowed(headers: IncomingHttpHeaders, allowed: readonly string[]): { ok: true } | { ok: false; reason: string } {
  const fetchSite = headers['sec-fetch-site'];
  if (typeof fetchSite === 'string' && fetchSite !== 'same-origin' && fetchSite !== 'none') {
    return { ok: false, reason: `a request from another origin (Sec-Fetch-Site: ${fetchSite})` };
  }
  const origin = headers.origin;
  if (origin === undefined) return { ok: true };
  if (allowed.length > 0) {
    return allowed.includes(origin) ? { ok: true } : { ok: false, reason: `origin ${origin} is not in ALLOWED_ORIGINS` };
  }
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return { ok: false, reason: `origin ${JSON.stringify(origin)} is not this site` };
  }
  return host !== '' && host === headers.host ? { ok: true } : { ok: false, reason: `origin ${origin} is not this site` };
}
