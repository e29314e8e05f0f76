import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const newSessionId = () => randomBytes(6).toString('hex');
export const newSecret = () => randomBytes(32).toString('base64url');
export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

export function secretMatches(secret: string, expectedHash: string): boolean {
  const actual = Buffer.from(hashSecret(secret), 'hex');
  const expected = Buffer.from(expectedHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** The cookie value a browser holds for a lesson's session: "<sessionId>.<secret>". */
export const formatSessionToken = (sessionId: string, secret: string) => `${sessionId}.${secret}`;

export function parseSessionToken(token: string | undefined): { sessionId: string; secret: string } | undefined {
  const match = /^([0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/.exec(token ?? '');
  return match ? { sessionId: match[1]!, secret: match[2]! } : undefined;
}

export const sessionCookieName = (lesson: string) => `dyl_${lesson.replace(/-/g, '_')}`;
