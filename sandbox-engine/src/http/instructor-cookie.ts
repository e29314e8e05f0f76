import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { INSTRUCTOR_COOKIE } from '../contracts/instructor.js';

/**
 * The instructor's session cookie. HttpOnly (no script reads it), SameSite=Strict, Path=/, and
 * Secure when the site is served over HTTPS. SameSite does not keep it from the port preview (same
 * host name, so the same *site*): the instructor routes and socket refuse other origins for that,
 * and the preview server keeps the cookie (a `dyl_` name) from the learner's app behind it.
 */
export function sessionCookie(token: string, expiresAt: number, secure: boolean, now = Date.now()): string {
  const maxAge = Math.max(0, Math.floor((expiresAt - now) / 1000));
  return [
    `${INSTRUCTOR_COOKIE}=${token}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAge}`,
    `Expires=${new Date(expiresAt).toUTCString()}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

/** Removes the cookie (sign-out). */
export function clearedCookie(secure: boolean): string {
  return [`${INSTRUCTOR_COOKIE}=`, 'Path=/', 'HttpOnly', 'SameSite=Strict', 'Max-Age=0', 'Expires=Thu, 01 Jan 1970 00:00:00 GMT', ...(secure ? ['Secure'] : [])].join('; ');
}

/**
 * Every value of the instructor cookie in a Cookie header. A page of the same host name on another
 * port can set a cookie of that name too (sent first when its path is longer): all are returned, and
 * the caller takes the one that is a live session.
 */
export function instructorTokens(header: string | undefined): string[] {
  const tokens: string[] = [];
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index <= 0 || part.slice(0, index).trim() !== INSTRUCTOR_COOKIE) continue;
    const value = part.slice(index + 1).trim();
    if (/^[A-Za-z0-9_-]{1,128}$/.test(value)) tokens.push(value);
  }
  return tokens;
}

/** The credential of an `Authorization: Bearer <secret>` header, or undefined. */
export function bearerSecret(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+(.+)$/i.exec(header ?? '');
  const secret = match?.[1]?.trim();
  return secret ? secret : undefined;
}

/** Whether the browser reached the site over HTTPS (directly, or through `trustProxyHops` proxies saying so). */
export function servedOverHttps(req: Pick<IncomingMessage, 'headers' | 'socket'>, trustProxyHops: number): boolean {
  if ((req.socket as Partial<TLSSocket>).encrypted) return true;
  if (trustProxyHops === 0) return false;
  const header = req.headers['x-forwarded-proto'];
  const protos = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((entry) => entry.trim().toLowerCase());
  // Read like X-Forwarded-For: what the outermost trusted proxy saw.
  return protos[Math.max(0, protos.length - trustProxyHops)] === 'https';
}
