import { SessionError } from './session-errors.js';

interface Entry {
  clientAddress: string;
  seenAt: number;
}

/**
 * The line of learners waiting for a sandbox when all are in use: first come, first served across
 * network addresses, so one address cannot fill the front of the line. Each learner's turn is
 * ranked by how many sandboxes their address already holds plus how many of its learners wait
 * ahead of them, then by arrival: a classroom behind one NAT is served in its own order, and a
 * newcomer from elsewhere is not stuck behind a flood from one address. A learner keeps their place
 * by asking again (the page does every `pollMs`); one who stops asking (closed the page) leaves the
 * line after `ttlMs`.
 */
export class WaitingLine {
  /** Insertion order is the order of arrival. */
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly options: { pollMs: number; ttlMs: number; maxLength: number; maxPerAddress: number },
    private readonly now: () => number = Date.now,
    /** Sandboxes an address holds now. */
    private readonly heldBy: (clientAddress: string) => number = () => 0,
  ) {}

  /** Learners in the order they will be served (with `newcomer` as if they joined now). */
  private order(newcomer?: { learner: string; clientAddress: string }): string[] {
    const seen = new Map<string, number>();
    const entries = [...this.entries].map(([learner, entry]) => ({ learner, clientAddress: entry.clientAddress }));
    if (newcomer) entries.push(newcomer);
    const ranked = entries.map(({ learner, clientAddress }, arrival) => {
      const earlier = seen.get(clientAddress) ?? 0;
      seen.set(clientAddress, earlier + 1);
      return { learner, rank: this.heldBy(clientAddress) + earlier, arrival };
    });
    ranked.sort((a, b) => a.rank - b.rank || a.arrival - b.arrival);
    return ranked.map(({ learner }) => learner);
  }

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
    if (!this.entries.has(learner)) return undefined;
    return this.order().indexOf(learner) + 1;
  }

  /** Whether this learner (from this address) may take one of `free` slots now: everyone ahead of them fits too. */
  admits(learner: string, free: number, clientAddress = ''): boolean {
    if (free <= 0) return false;
    this.prune();
    const order = this.entries.has(learner) ? this.order() : this.order({ learner, clientAddress });
    return order.indexOf(learner) + 1 <= free;
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
