import type { NeighbourTableTotals } from '../isolation/neighbour-table-totals.js';
import { NeighbourCensusUnfinishedError, type NeighbourCensus } from '../isolation/neighbour-census.js';
import type { Logger } from '../log/logger.js';
import type { Session } from './session.js';

export interface NeighbourWatchdogDeps {
  sessions: () => Session[];
  /** The sandbox's first process on the host. */
  processId: (session: Session) => Promise<number>;
  /** The held (never reclaimed) neighbour entries of every network namespace the sandbox holds, counting stopped past `limit`. */
  census: (processId: number, session: Session, limit: number) => Promise<NeighbourCensus>;
  totals: () => Promise<NeighbourTableTotals>;
  end: (session: Session) => Promise<void>;
  log: Logger;
  /** Held neighbour entries a sandbox may have (SANDBOX_NEIGHBOURS_MAX). */
  limit: number;
  /** Looks at the next sandbox in turn at most this often (ticks in between only read the counts). Default: every tick. */
  turnEveryMs?: number;
}

/** After a look at every sandbox, the next one waits for this long, unless the tables grew by a sandbox's limit. */
const FULL_SCAN_EVERY_MS = 30_000;
/** And at least this long in any case: a flood of ordinary entries (which the kernel reclaims) must not keep the census running. */
const FULL_SCAN_GAP_MS = 5_000;

/**
 * Neighbour entries that are permanent, flagged or proxies are never reclaimed, count against no
 * limit and are not charged to the memory cgroup of the sandbox that added them (its root has
 * CAP_NET_ADMIN in its own network namespaces, which its inner daemon needs): one sandbox could hold
 * gigabytes of the host's kernel memory. This ends a sandbox that holds more than its share.
 *
 * Each tick reads the host's table counts (cheap). When they exceed one sandbox's limit, every
 * sandbox is looked at (isolation/neighbour-census.ts); otherwise, every `turnEveryMs`, the next
 * sandbox in turn is, so proxy entries, which no counter shows, are found within one round.
 */
export class NeighbourWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private next = 0;
  private lastFullScan: { at: number; total: number } | undefined;
  private lastTurn = Number.NEGATIVE_INFINITY;
  /**
   * Per session: what its last look found kept out of reach (inodes), and whether its census could
   * not finish (too slow, too much output, too many cgroups).
   */
  private readonly uncounted = new Map<string, Set<number>>();
  private readonly unfinished = new Set<string>();

  constructor(private readonly deps: NeighbourWatchdogDeps) {}

  start(intervalMs = 2000): void {
    this.timer ??= setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look: every sandbox when the host's tables hold more than a sandbox may, else the next one in turn. */
  async tick(now = Date.now()): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const sessions = this.deps.sessions().filter((session) => !session.ended);
      for (const id of this.uncounted.keys()) if (!sessions.some((session) => session.id === id)) this.uncounted.delete(id);
      for (const id of this.unfinished) if (!sessions.some((session) => session.id === id)) this.unfinished.delete(id);
      if (sessions.length === 0) return;
      const totals = await this.deps.totals();
      const total = totals.arp + totals.ndisc;
      const last = this.lastFullScan;
      const due = !last || now - last.at >= FULL_SCAN_EVERY_MS || (now - last.at >= FULL_SCAN_GAP_MS && total > last.total + this.deps.limit);
      if (total > this.deps.limit && due) {
        this.lastFullScan = { at: now, total };
        for (const session of sessions) await this.inspect(session);
        return;
      }
      if (now - this.lastTurn < (this.deps.turnEveryMs ?? 0)) return;
      this.lastTurn = now;
      const session = sessions[this.next % sessions.length] as Session;
      this.next = (this.next + 1) % sessions.length;
      await this.inspect(session);
    } catch (error) {
      this.deps.log.error('neighbours.watch.failed', { error });
    } finally {
      this.running = false;
    }
  }

  /**
   * Counts what the session's sandbox holds, and ends it past the limit. Fails closed where the
   * sandbox can make it fail, on two looks in a row (one can be a race, or a busy host): a census
   * that does not finish in its time, or the same thing kept out of its reach (census.hidden).
   */
  private async inspect(session: Session): Promise<void> {
    if (session.ended) return;
    let census: NeighbourCensus;
    try {
      census = await this.deps.census(await this.deps.processId(session), session, this.deps.limit);
    } catch (error) {
      if (session.ended) return;
      if (error instanceof NeighbourCensusUnfinishedError) {
        if (this.unfinished.has(session.id)) return this.end(session, 'sandbox.neighbours.census-unfinished', { error: error.message });
        this.unfinished.add(session.id);
      }
      // A sandbox that just ended or is not running has nothing to count; the reaper deals with dead ones.
      this.deps.log.warn('neighbours.count.failed', { session: session.id, error });
      return;
    }
    this.unfinished.delete(session.id);
    if (session.ended) return;
    if (census.skipped.length > 0) this.deps.log.warn('neighbours.count.skipped', { session: session.id, skipped: census.skipped });
    const hidden = census.hidden.map((item) => item.inode);
    const before = this.uncounted.get(session.id);
    this.uncounted.set(session.id, new Set(hidden));
    const kept = hidden.filter((inode) => before?.has(inode));
    if (census.held > this.deps.limit) return this.end(session, 'sandbox.neighbours.over-limit', { held: census.held, limit: this.deps.limit });
    if (kept.length > 0) return this.end(session, 'sandbox.neighbours.uncountable', { hidden: census.hidden.filter((item) => kept.includes(item.inode)) });
  }

  private async end(session: Session, event: string, fields: Record<string, unknown>): Promise<void> {
    this.uncounted.delete(session.id);
    this.unfinished.delete(session.id);
    this.deps.log.warn(event, { session: session.id, ...fields });
    // An end that fails (Docker did not answer) must not stop the look at the other sandboxes.
    await this.deps.end(session).catch((error: unknown) => this.deps.log.error('sandbox.neighbours.end.failed', { session: session.id, error }));
  }
}
