import type { NeighbourTableTotals } from '../isolation/neighbour-table-totals.js';
import type { SandboxNetworkNamespaces } from '../isolation/sandbox-network-namespaces.js';
import type { Logger } from '../log/logger.js';
import type { Session } from './session.js';

export interface NeighbourWatchdogDeps {
  sessions: () => Session[];
  /** The sandbox's first process on the host. */
  processId: (session: Session) => Promise<number>;
  namespaces: (processId: number) => Promise<SandboxNetworkNamespaces>;
  /** Held (never reclaimed) neighbour entries in network namespace `inode`, at this path. */
  countHeld: (netnsPath: string, inode: number) => Promise<number>;
  totals: () => Promise<NeighbourTableTotals>;
  end: (session: Session) => Promise<void>;
  log: Logger;
  /** Held neighbour entries a sandbox may have (SANDBOX_NEIGHBOURS_MAX). */
  limit: number;
}

/** After a look at every sandbox, the next one waits for this long, unless the tables grew by a sandbox's limit. */
const FULL_SCAN_EVERY_MS = 30_000;

/**
 * Neighbour entries that are permanent, flagged or proxies are never reclaimed, count against no
 * limit and are not charged to the memory cgroup of the sandbox that added them (its root has
 * CAP_NET_ADMIN in its own network namespaces, which its inner daemon needs): one sandbox could hold
 * gigabytes of the host's kernel memory. This ends a sandbox that holds more than its share.
 *
 * Each tick reads the host's table counts (cheap). When they exceed one sandbox's limit, every
 * sandbox is looked at (its network namespaces, then their entries); otherwise the next sandbox in
 * turn is, so proxy entries, which no counter shows, are found within one round.
 */
export class NeighbourWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private next = 0;
  private lastFullScan: { at: number; total: number } | undefined;

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
      if (sessions.length === 0) return;
      const totals = await this.deps.totals();
      const total = totals.arp + totals.ndisc;
      const last = this.lastFullScan;
      if (total > this.deps.limit && (!last || now - last.at >= FULL_SCAN_EVERY_MS || total > last.total + this.deps.limit)) {
        this.lastFullScan = { at: now, total };
        for (const session of sessions) await this.inspect(session);
        return;
      }
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
   * The first of its paths that still leads to the namespace counts. When none does, the namespace
   * went with the thread, descriptor or mount that held it (and its entries with it), or the
   * sandbox moved it from under the count: the next look finds it again.
   */
  private async countNamespace(inode: number, paths: string[]): Promise<number> {
    for (const netnsPath of paths) {
      try {
        return await this.deps.countHeld(netnsPath, inode);
      } catch {
        // the next path
      }
    }
    return 0;
  }

  /** Counts what the session's sandbox holds and ends it past the limit. */
  private async inspect(session: Session): Promise<void> {
    if (session.ended) return;
    let held = 0;
    try {
      const { namespaces } = await this.deps.namespaces(await this.deps.processId(session));
      for (const [inode, paths] of namespaces) {
        held += await this.countNamespace(inode, paths);
        if (held > this.deps.limit) break;
      }
    } catch (error) {
      // A sandbox that just ended or is not running has nothing to count; the reaper deals with dead ones.
      if (!session.ended) this.deps.log.warn('neighbours.count.failed', { session: session.id, error });
      return;
    }
    if (held <= this.deps.limit || session.ended) return;
    this.deps.log.warn('sandbox.neighbours.over-limit', { session: session.id, held, limit: this.deps.limit });
    // An end that fails (Docker did not answer) must not stop the look at the other sandboxes.
    await this.deps.end(session).catch((error: unknown) => this.deps.log.error('sandbox.neighbours.end.failed', { session: session.id, error }));
  }
}
