import { SessionError } from './session-errors.js';

interface Entry {
  clientAddress: string;
  seenAt: number;
}

/**
 * The line of learners waiting for a sandbox when all are in use: first come, first served. A
 * learner keeps their place by asking again (the page does every `pollMs`); one who stops asking
 * (closed the page) leaves the line after `ttlMs`.
 */
export class WaitingLine {
  /** Insertion order is the order of arrival. */
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly options: { pollMs: number; ttlMs: number; maxLength: number; maxPerAddress: number },
    private readonly now: () => number = Date.now,
  ) {}

  private prune(): void {
    const oldest = this.now() - this.options.ttlMs;
    for (const [learner, entry] of this.entries) if (entry.seenAt < oldest) this.entries.delete(learner);
  }

  get length(): number {
    this.prune();
    return this.entries.size;
  }

  /** 1 for the next in line; undefined when not waiting. */
  position(learner: string): number | undefined {
    this.prune();
    let position = 0;
    for (const key of this.entries.keys()) {
      position += 1;
      if (key === learner) return position;
    }
    return undefined;
  }

  /** Whether this learner may take one of `free` slots now: everyone ahead of them fits too. */
  admits(learner: string, free: number): boolean {
    if (free <= 0) return false;
    const rank = this.position(learner) ?? this.length + 1;
    return rank <= free;
  }

  /** Joins the line (or keeps the place); returns the position. */
  enter(learner: string, clientAddress: string): number {
    this.prune();
    const entry = this.entries.get(learner);
    if (entry) {
      entry.seenAt = this.now();
      return this.position(learner)!;
    }
    if (this.entries.size >= this.options.maxLength) {
      throw new SessionError('capacity', 'Every sandbox is in use and the waiting line is full. Try again in a few minutes.');
    }
    let fromAddress = 0;
    for (const other of this.entries.values()) if (other.clientAddress === clientAddress) fromAddress += 1;
    if (fromAddress >= this.options.maxPerAddress) {
      throw new SessionError('rate-limited', `Already ${fromAddress} learners from your network address are waiting for a sandbox. Try again later.`, {
        retryAfterMs: this.options.ttlMs,
      });
    }
    this.entries.set(learner, { clientAddress, seenAt: this.now() });
    return this.entries.size;
  }

  leave(learner: string): void {
    this.entries.delete(learner);
  }
}
