import { describe, expect, it } from 'vitest';
import { InstructorAuth, passwordMatches, PASSWORD_FAILURES } from './instructor-auth.js';
import { bearerSecret, clearedCookie, instructorTokens, servedOverHttps, sessionCookie } from './instructor-cookie.js';

const PASSWORD = 'correct horse battery staple';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('instructor auth', () => {
  it('compares passwords exactly, whatever their lengths', () => {
    expect(passwordMatches(PASSWORD, PASSWORD)).toBe(true);
    expect(passwordMatches(`${PASSWORD} `, PASSWORD)).toBe(false);
    expect(passwordMatches('', PASSWORD)).toBe(false);
    expect(passwordMatches('x'.repeat(10_000), PASSWORD)).toBe(false);
  });

  it('refuses everything when no password is configured', () => {
    const auth = new InstructorAuth({ password: undefined });
    expect(auth.configured).toBe(false);
    expect(auth.checkPassword('', '10.0.0.1')).toEqual({ ok: false, reason: 'not-configured' });
    expect(auth.checkPassword(PASSWORD, '10.0.0.1')).toEqual({ ok: false, reason: 'not-configured' });
  });

  it('limits wrong passwords per address, refusing even the right one meanwhile, and forgives with time', () => {
    const time = clock();
    const auth = new InstructorAuth({ password: PASSWORD, now: time.now });
    for (let attempt = 0; attempt < PASSWORD_FAILURES.burst; attempt++) expect(auth.checkPassword(`guess ${attempt}`, '10.0.0.1')).toEqual({ ok: false, reason: 'wrong' });
    const limited = auth.checkPassword(PASSWORD, '10.0.0.1');
    expect(limited).toMatchObject({ ok: false, reason: 'rate-limited' });
    expect((limited as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
    // Another address is not affected; the right password does not cost a try.
    for (let attempt = 0; attempt < PASSWORD_FAILURES.burst * 2; attempt++) expect(auth.checkPassword(PASSWORD, '10.0.0.2')).toEqual({ ok: true });
    time.advance(1000 / PASSWORD_FAILURES.perSecond);
    expect(auth.checkPassword(PASSWORD, '10.0.0.1')).toEqual({ ok: true });
  });

  it('opens sessions as random tokens that expire, sign out, and are bounded in number', () => {
    const time = clock();
    const auth = new InstructorAuth({ password: PASSWORD, now: time.now, sessionMs: 60_000, maxSessions: 3 });
    const first = auth.signIn();
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.expiresAt).toBe(time.now() + 60_000);
    expect(auth.expiresAt(first.token)).toBe(first.expiresAt);
    expect(auth.expiresAt('not-a-token')).toBeUndefined();
    expect(auth.expiresAt(undefined)).toBeUndefined();
    expect(auth.validToken(['planted-by-a-preview-page', first.token])).toBe(first.token);

    const signedOut: string[] = [];
    auth.onSignOut((token) => signedOut.push(token));
    const second = auth.signIn();
    expect(second.token).not.toBe(first.token);
    auth.signOut(second.token);
    expect(auth.expiresAt(second.token)).toBeUndefined();
    expect(signedOut).toEqual([second.token]);

    time.advance(60_000);
    expect(auth.expiresAt(first.token)).toBeUndefined();
    const kept = [auth.signIn(), auth.signIn(), auth.signIn(), auth.signIn()];
    expect(auth.sessionCount).toBe(3);
    expect(auth.expiresAt(kept[0]!.token)).toBeUndefined();
    expect(auth.expiresAt(kept[3]!.token)).toBeDefined();
  });
});

describe('instructor cookie', () => {
  it('is HttpOnly, SameSite=Strict, for the whole site, with an expiry, and Secure over HTTPS', () => {
    const cookie = sessionCookie('tok_en-1', 1_000_000 + 3_600_000, false, 1_000_000);
    expect(cookie).toBe(`dyl_instructor=tok_en-1; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600; Expires=${new Date(4_600_000).toUTCString()}`);
    expect(sessionCookie('t', 2000, true, 1000)).toMatch(/; Secure$/);
    expect(clearedCookie(false)).toMatch(/^dyl_instructor=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0;/);
  });

  it('reads every instructor cookie value, ignoring other cookies and malformed values', () => {
    expect(instructorTokens('a=1; dyl_instructor=first; dyl_instructor=sec-ond_2; x=2')).toEqual(['first', 'sec-ond_2']);
    expect(instructorTokens('dyl_instructor=bad%20value; dyl_instructorx=y')).toEqual([]);
    expect(instructorTokens(undefined)).toEqual([]);
  });

  it('reads a bearer secret', () => {
    expect(bearerSecret(`Bearer ${PASSWORD}`)).toBe(PASSWORD);
    expect(bearerSecret('bearer  abc')).toBe('abc');
    expect(bearerSecret('Basic abc')).toBeUndefined();
    expect(bearerSecret('Bearer ')).toBeUndefined();
    expect(bearerSecret(undefined)).toBeUndefined();
  });

  it('trusts X-Forwarded-Proto only behind trusted proxies', () => {
    const plain = { socket: {} as never, headers: { 'x-forwarded-proto': 'https' } };
    expect(servedOverHttps(plain, 0)).toBe(false);
    expect(servedOverHttps(plain, 1)).toBe(true);
    expect(servedOverHttps({ socket: { encrypted: true } as never, headers: {} }, 0)).toBe(true);
  });
});
