import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { KeyedTokenBuckets } from '../limits/token-bucket.js';

/** A teaching day: the instructor signs in again the next morning. */
export const INSTRUCTOR_SESSION_MS = 12 * 60 * 60 * 1000;
/** Instructor sessions kept at once (each sign-in makes one); past it the oldest is dropped. */
export const MAX_INSTRUCTOR_SESSIONS = 50;
/**
 * Wrong passwords per network address: 10 at once, then one every 6 s. Only failures count, so a
 * grading script with the right password is never slowed; a guesser gets 10 tries a minute.
 */
export const PASSWORD_FAILURES = { burst: 10, perSecond: 1 / 6 };

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** Compares a password in constant time (both sides hashed first, so their lengths leak nothing either). */
export function passwordMatches(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

export type PasswordVerdict =
  | { ok: true }
  | { ok: false; reason: 'not-configured' | 'wrong' }
  | { ok: false; reason: 'rate-limited'; retryAfterMs: number };

export interface InstructorAuthOptions {
  /** INSTRUCTOR_PASSWORD; undefined: there is no instructor area and nothing signs in. */
  password: string | undefined;
  sessionMs?: number;
  maxSessions?: number;
  now?: () => number;
}

/**
 * Who is the instructor: the password check (constant time, failures limited per address) and the
 * sessions it opens, as random tokens held in memory only (an engine restart signs everyone out).
 * A token is kept as its sha256, so this map holds nothing a memory dump could replay.
 */
export class InstructorAuth {
  private readonly sessions = new Map<string, number>();
  private readonly failures: KeyedTokenBuckets;
  private readonly signOutListeners = new Set<(token: string) => void>();
  private readonly password: string | undefined;
  private readonly sessionMs: number;
  private readonly maxSessions: number;
  private readonly now: () => number;

  constructor(options: InstructorAuthOptions) {
    this.password = options.password;
    this.sessionMs = options.sessionMs ?? INSTRUCTOR_SESSION_MS;
    this.maxSessions = options.maxSessions ?? MAX_INSTRUCTOR_SESSIONS;
    this.now = options.now ?? Date.now;
    this.failures = new KeyedTokenBuckets(PASSWORD_FAILURES.burst, PASSWORD_FAILURES.perSecond, this.now);
  }

  get configured(): boolean {
    return this.password !== undefined;
  }

  /** Checks a password sent from `address`; a wrong one costs that address one of its tries. */
  checkPassword(given: string, address: string): PasswordVerdict {
    if (this.password === undefined) return { ok: false, reason: 'not-configured' };
    const retryAfterMs = this.failures.waitMs(address);
    if (retryAfterMs > 0) return { ok: false, reason: 'rate-limited', retryAfterMs };
    if (passwordMatches(given, this.password)) return { ok: true };
    this.failures.take(address);
    return { ok: false, reason: 'wrong' };
  }

  /** Opens a session: the token goes into the cookie, and is never kept in the clear here. */
  signIn(): { token: string; expiresAt: number } {
    this.sweep();
    while (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next().value as string;
      this.sessions.delete(oldest);
    }
    const token = randomBytes(32).toString('base64url');
    const expiresAt = this.now() + this.sessionMs;
    this.sessions.set(this.key(token), expiresAt);
    return { token, expiresAt };
  }

  /** When the session of this token ends, or undefined when it is not a live session. */
  expiresAt(token: string | undefined): number | undefined {
    if (!token || this.password === undefined) return undefined;
    const key = this.key(token);
    const expiresAt = this.sessions.get(key);
    if (expiresAt === undefined) return undefined;
    if (expiresAt <= this.now()) {
      this.sessions.delete(key);
      return undefined;
    }
    return expiresAt;
  }

  /** The first of these tokens that is a live session (a browser may send several cookies of one name). */
  validToken(tokens: readonly string[]): string | undefined {
    return tokens.find((token) => this.expiresAt(token) !== undefined);
  }

  signOut(token: string): void {
    if (!this.sessions.delete(this.key(token))) return;
    for (const listener of this.signOutListeners) listener(token);
  }

  /** Runs `listener` with the token of every session signed out (sockets of it close). */
  onSignOut(listener: (token: string) => void): () => void {
    this.signOutListeners.add(listener);
    return () => this.signOutListeners.delete(listener);
  }

  /** Live sessions (for tests and health). */
  get sessionCount(): number {
    this.sweep();
    return this.sessions.size;
  }

  private key(token: string): string {
    return sha256(token).toString('hex');
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, expiresAt] of this.sessions) if (expiresAt <= now) this.sessions.delete(key);
  }
}
