/** Who a start is for: a learner waiting for it, or the warm pool (which waits behind every learner). */
export type StartPriority = 'learner' | 'pool';

interface Waiting {
  run: () => void;
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

  /** Runs `task` once a start slot is free; the slot is held until it settles. */
  run<T>(task: () => Promise<T>, priority: StartPriority = 'learner'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
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
      if (this.active < this.max && this.waiting() === 0) start();
      else this.queues[priority].push({ run: start });
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
