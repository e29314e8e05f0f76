import type { Lesson } from '../contracts/lesson.js';
import type { Logger } from '../log/logger.js';
import type { StartedSandbox } from './sandbox-provisioner.js';

/** A pool start that runs (holds a start slot), and the learner promised its sandbox, if any. */
interface Running {
  lesson: string;
  /** A learner of this lesson gets the sandbox (or undefined if the start fails). */
  promised?: (sandbox: StartedSandbox | undefined) => void;
  /** A learner of another lesson took this start's slot: the sandbox is destroyed once started, then this is called. */
  slotTaken?: () => void;
}

export interface PoolStartsDeps {
  /**
   * Starts a pool sandbox of the lesson when a start slot is free (behind learners); `wanted` is
   * asked once the slot is there, and nothing starts when it says no. Undefined: not started.
   */
  start: (lesson: Lesson, wanted: () => boolean) => Promise<StartedSandbox | undefined>;
  /** Whether a start of the lesson is still wanted once its slot is free (asked as if it were not counted yet). */
  stillWanted: (lesson: string) => boolean;
  /** A started sandbox nobody was promised: it is ready in the pool. */
  ready: (lesson: string, sandbox: StartedSandbox) => void;
  /** Destroys a sandbox whose slot a learner took while it started. */
  discard: (sandbox: StartedSandbox) => Promise<void>;
  /** A start happened (or failed): the pool reconsiders. */
  started: () => void;
  log: Logger;
  now: () => number;
}

/** After a failed start, a lesson's pool waits this long before trying again. */
const RETRY_AFTER_MS = 30_000;

/**
 * The warm pool's starts: asked for per lesson, each waiting for a start slot, then running (holding a
 * slot of the capacity) until its sandbox is up. A running start may be promised to a learner of its
 * lesson, or give its slot up to a learner of another lesson (its sandbox is destroyed once up).
 */
export class PoolStarts {
  /** Starts asked for, per lesson: waiting for a start slot or running. */
  private readonly starting = new Map<string, number>();
  /** Starts running (they hold a slot of the capacity; waiting ones do not, and are dropped when unwanted). */
  private running = 0;
  private readonly runningStarts = new Set<Running>();
  private readonly failedUntil = new Map<string, number>();
  private readonly fills = new Set<Promise<void>>();
  private averageMs = 1000;

  constructor(private readonly deps: PoolStartsDeps) {}

  /** Asks for one more pool sandbox of the lesson. */
  fill(lesson: Lesson): void {
    const slug = lesson.slug;
    this.starting.set(slug, (this.starting.get(slug) ?? 0) + 1);
    let running: Running | undefined;
    const done = () => {
      this.starting.set(slug, (this.starting.get(slug) ?? 1) - 1);
      if (running) {
        if (!running.slotTaken) this.running -= 1;
        this.runningStarts.delete(running);
      }
    };
    // Still wanted once a start slot is free (asked as if this start were not counted yet), and
    // still room in the capacity? Only then does it take a slot.
    const wanted = () => {
      this.starting.set(slug, (this.starting.get(slug) ?? 1) - 1);
      const still = this.deps.stillWanted(slug);
      this.starting.set(slug, (this.starting.get(slug) ?? 0) + 1);
      if (still) {
        running = { lesson: slug };
        this.runningStarts.add(running);
        this.running += 1;
      }
      return still;
    };
    let started = false;
    const fill = this.deps
      .start(lesson, wanted)
      .then(
        (sandbox) => {
          started = running !== undefined;
          const { promised, slotTaken } = running ?? {};
          done();
          if (slotTaken) {
            if (sandbox) void this.deps.discard(sandbox).then(slotTaken);
            else slotTaken();
            return;
          }
          if (promised) {
            if (sandbox) this.deps.log.info('pool.claimed', { session: sandbox.id, lesson: slug, waitedMs: 0 });
            promised(sandbox);
            return;
          }
          if (!sandbox) return;
          this.failedUntil.delete(slug);
          this.deps.ready(slug, sandbox);
        },
        (error: Error) => {
          started = true;
          const { promised, slotTaken } = running ?? {};
          done();
          promised?.(undefined);
          slotTaken?.();
          this.failedUntil.set(slug, this.deps.now() + RETRY_AFTER_MS);
          this.deps.log.warn('pool.start.failed', { lesson: slug, error, retryInMs: RETRY_AFTER_MS });
        },
      )
      .finally(() => {
        this.fills.delete(fill);
        // A start that did not happen (not wanted once its turn came) changes nothing to reconsider:
        // waking here would ask again at once, in a loop, while a slot is being freed.
        if (started) this.deps.started();
      });
    this.fills.add(fill);
  }

  /** Promises a running start of the lesson nobody was promised to `take` (see WarmPool.promiseStarting). */
  promise(lesson: string, take: (sandbox: StartedSandbox | undefined) => void): boolean {
    for (const start of this.runningStarts) {
      if (start.lesson !== lesson || start.promised || start.slotTaken) continue;
      start.promised = take;
      return true;
    }
    return false;
  }

  /** Gives the slot of a running start of another lesson than `wanted` to its learner: free once the promise resolves. */
  giveUpSlot(wanted: string): Promise<void> | undefined {
    for (const start of this.runningStarts) {
      if (start.lesson === wanted || start.promised || start.slotTaken) continue;
      this.running -= 1;
      this.deps.log.info('pool.slot.given', { from: 'starting', lesson: start.lesson, for: wanted });
      return new Promise((resolve) => (start.slotTaken = resolve));
    }
    return undefined;
  }

  /** Whether the lesson's last start failed too recently to try again. */
  failing(lesson: string): boolean {
    return (this.failedUntil.get(lesson) ?? 0) > this.deps.now();
  }

  /** Starts asked for (of one lesson, or all): waiting for a slot or running. */
  count(lesson?: string): number {
    if (lesson !== undefined) return this.starting.get(lesson) ?? 0;
    let count = 0;
    for (const value of this.starting.values()) count += value;
    return count;
  }

  /** Running starts whose slot is the pool's. */
  get active(): number {
    return this.running;
  }

  /** Running starts promised to learners. */
  get promised(): number {
    let count = 0;
    for (const start of this.runningStarts) if (start.promised) count += 1;
    return count;
  }

  /** How long a sandbox start took (without waiting for a slot), averaged. */
  noteDuration(ms: number): void {
    this.averageMs = 0.7 * this.averageMs + 0.3 * ms;
  }

  get startMs(): number {
    return this.averageMs;
  }

  /** Starts under way (waiting for a slot or running). */
  get inFlight(): Promise<void>[] {
    return [...this.fills];
  }
}
