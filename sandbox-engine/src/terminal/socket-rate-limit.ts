import { TokenBucket } from '../limits/token-bucket.js';

export interface SocketRateLimits {
  /** Any incoming event costs one token. */
  eventBurst: number;
  eventsPerSecond: number;
  /** Terminal input also costs its length in characters. */
  inputBurstChars: number;
  inputCharsPerSecond: number;
  /** A socket dropping messages this long without a quiet second, most of them dropped, is disconnected. */
  floodMs: number;
  /** At most one "slow down" notice per this many ms. */
  noticeMs: number;
}

/**
 * A page sends keystrokes (a fast typist or key repeat: ~30/s), a paced paste (~12 messages/s) and up
 * to 20 acks/s per terminal with output (6 terminals: 120/s): 200 events/s with a burst of 400 leaves
 * room for all of it at once. A human types a few characters a second; 256 Ki characters/s with a
 * burst of 1 MiB lets a big paste through, which the page paces under this (input-pacer.ts), and
 * bounds what one socket can push into a shell. Beyond that the engine only does useless work.
 */
export const SOCKET_RATE_LIMITS: SocketRateLimits = {
  eventBurst: 400,
  eventsPerSecond: 200,
  inputBurstChars: 1024 * 1024,
  inputCharsPerSecond: 256 * 1024,
  floodMs: 5000,
  noticeMs: 1000,
};

/** What to do with one incoming message: let it through, drop it (and tell the page), or end the socket. */
export type RateVerdict = 'pass' | 'drop' | 'drop-and-notify' | 'disconnect';

/** The characters of terminal input a message carries, read before validation (0 for anything else). */
export function inputChars(event: string, payload: unknown): number {
  if (event !== 'terminal:input' || typeof payload !== 'object' || payload === null) return 0;
  const data = (payload as { data?: unknown }).data;
  return typeof data === 'string' ? data.length : 0;
}

/** The limits of one socket: an event bucket, an input bucket, and the record of its current flood. */
export class SocketRateLimit {
  private readonly events: TokenBucket;
  private readonly input: TokenBucket;
  private flood: { since: number; lastDrop: number; passed: number; dropped: number } | undefined;
  private lastNotice = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly limits: SocketRateLimits = SOCKET_RATE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.events = new TokenBucket(limits.eventBurst, limits.eventsPerSecond, now);
    this.input = new TokenBucket(limits.inputBurstChars, limits.inputCharsPerSecond, now);
  }

  /** Counts one incoming message carrying `chars` characters of input. */
  check(chars = 0): RateVerdict {
    const at = this.now();
    if (this.flood && at - this.flood.lastDrop >= 1000) this.flood = undefined;
    const passed = this.events.take(1) && (chars === 0 || this.input.take(chars));
    if (passed) {
      if (this.flood) this.flood.passed += 1;
      return 'pass';
    }
    this.flood ??= { since: at, lastDrop: at, passed: 0, dropped: 0 };
    this.flood.lastDrop = at;
    this.flood.dropped += 1;
    if (at - this.flood.since >= this.limits.floodMs && this.flood.dropped > this.flood.passed) return 'disconnect';
    if (at - this.lastNotice < this.limits.noticeMs) return 'drop';
    this.lastNotice = at;
    return 'drop-and-notify';
  }
}

/**
 * terminal:attach per socket: each replays up to the whole scrollback (256 Ki characters) and may start
 * a shell. A page attaches each of its terminals (6 at most) once per connection, and a terminal it opens.
 */
export const ATTACH_RATE = { burst: 10, perSecond: 2 };

/**
 * Sockets one session takes at once: a few tabs, each maybe with a reconnect whose old connection the
 * engine has not seen end yet (up to the ping timeout). Each socket can hold every terminal's output window.
 */
export const MAX_SOCKETS_PER_SESSION = 12;
