import type { Logger } from '../log/logger.js';
import type { StartedSandbox } from './sandbox-provisioner.js';

/** A sandbox the pool is destroying; its slot may be handed to a learner meanwhile. */
interface Retirement {
  handed: boolean;
  removal?: Promise<void>;
}

export interface PoolRemovalsDeps {
  /** Destroys a sandbox (its shell, container and disk). */
  remove: (sandbox: StartedSandbox) => Promise<void>;
  /** A retired sandbox is gone: its slot is free, the pool reconsiders. */
  retired: () => void;
  log: Logger;
}

/**
 * Sandboxes the warm pool destroys: discarded (given to a learner's slot, dead, or a start nobody
 * wants any more) or retired (the plan wants fewer): a retired one holds its slot until it is gone,
 * unless a learner is handed that slot meanwhile.
 */
export class PoolRemovals {
  private readonly retirements = new Set<Retirement>();
  private readonly removals = new Set<Promise<void>>();

  constructor(private readonly deps: PoolRemovalsDeps) {}

  /** Destroys a sandbox the pool let go of. */
  discard(sandbox: StartedSandbox): Promise<void> {
    sandbox.shell?.stream.destroy();
    const removal = this.deps.remove(sandbox).catch((error) => this.deps.log.error('pool.remove.failed', { session: sandbox.id, error }));
    this.removals.add(removal);
    void removal.finally(() => this.removals.delete(removal));
    return removal;
  }

  /** Destroys a ready sandbox of the lesson that the pool gives up; its slot counts as the pool's until it is gone. */
  retire(lesson: string, sandbox: StartedSandbox): void {
    const retirement: Retirement = { handed: false };
    this.retirements.add(retirement);
    this.deps.log.info('pool.retired', { session: sandbox.id, lesson });
    retirement.removal = this.discard(sandbox).finally(() => {
      this.retirements.delete(retirement);
      this.deps.retired();
    });
  }

  /** Hands the slot of a sandbox being retired to a learner of `wanted`: free once the promise resolves. Undefined: none. */
  handOver(wanted: string): Promise<void> | undefined {
    for (const retirement of this.retirements) {
      if (retirement.handed) continue;
      retirement.handed = true;
      this.deps.log.info('pool.slot.given', { from: 'retiring', for: wanted });
      return retirement.removal;
    }
    return undefined;
  }

  /** Sandboxes being retired whose slot is still the pool's. */
  get retiring(): number {
    let count = 0;
    for (const retirement of this.retirements) if (!retirement.handed) count += 1;
    return count;
  }

  /** Removals under way. */
  get inFlight(): Promise<void>[] {
    return [...this.removals];
  }
}
