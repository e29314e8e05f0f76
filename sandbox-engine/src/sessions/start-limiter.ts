import { SessionError } from './session-errors.js';

/** Who a start is for: a learner waiting for it, or the warm pool (which waits behind every learner). */
export type StartPriority = 'learner' | 'pool';

/** What a caller may attach to a start: a ticket to ask its place by, a signal that takes it out of line before it runs. */
export interface StartOptions {
  /** Any object of the caller's: `position(ticket)` tells its place while it waits. */
  ticket?: object;
  /** Aborted while the start waits for a slot: it leaves the line and fails ('cancelled'); once running it goes on. */
  signal?: AbortSignal;
}

interface Waiting {
  run: () => void;
  cancel: () => void;
  ticket: object | undefined;
}

/**
 * Admission control for sandbox starts: at most `max` run at once (each is CPU-heavy: a container,
 * an inner Docker daemon), the rest wait their turn first come, first served, learners before the
 * pool. A burst then queues instead of every start slowing every other one down.
 */
export class StartLimiter {
  private active = 0;
  private readonly queues: Record<StartPriority, Waiting[]> = { learner: [], pool: [] };

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`StartLimiter: max must be a positive integer, got ${max}`);
  }

  /** Starts running now. */
  get running(): number {
    return this.active;
  }

  /** Starts waiting for a turn. */
  waiting(priority?: StartPriority): number {
    return priority ? this.queues[priority].length : this.queues.learner.length + this.queues.pool.length;
  }

  /**
   * The place of the start holding `ticket` among the starts waiting for a slot: 1 is the next to
   * run (learners' starts come before the pool's); 0 when it is not waiting (running, or not asked yet).
   */
  position(ticket: object): number {
    const learner = this.queues.learner.findIndex((waiting) => waiting.ticket === ticket);
    if (learner >= 0) return learner + 1;
    const pool = this.queues.pool.findIndex((waiting) => waiting.ticket === ticket);
    return pool >= 0 ? this.queues.learner.length + pool + 1 : 0;
  }

  /** Runs `task` once a start slot is free; the slot is held until it settles. */
  run<T>(task: () => Promise<T>, priority: StartPriority = 'learner', { ticket, signal }: StartOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const cancelled = () => new SessionError('cancelled', 'The sandbox start was cancelled before it began.');
      if (signal?.aborted) {
        reject(cancelled());
        return;
      }
      const start = () => {
        signal?.removeEventListener('abort', waiting.cancel);
        this.active += 1;
        let settled: Promise<T>;
        try {
          settled = task();
        } catch (error) {
          settled = Promise.reject(error);
        }
        // The slot is free before the caller hears of the outcome.
        settled
          .finally(() => {
            this.active -= 1;
            this.next();
          })
          .then(resolve, reject);
      };
      const waiting: Waiting = {
        run: start,
        ticket,
        cancel: () => {
          const queue = this.queues[priority];
          const index = queue.indexOf(waiting);
          if (index < 0) return;
          queue.splice(index, 1);
          reject(cancelled());
        },
      };
      if (this.active < this.max && this.waiting() === 0) start();
      else {
        this.queues[priority].push(waiting);
        signal?.addEventListener('abort', waiting.cancel, { once: true });
      }
    });
  }

  private next(): void {
    while (this.active < this.max) {
      const waiting = this.queues.learner.shift() ?? this.queues.pool.shift();
      if (!waiting) return;
      waiting.run();
    }
  }
}
