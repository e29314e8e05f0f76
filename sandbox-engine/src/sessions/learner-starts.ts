import { setTimeout as delay } from 'node:timers/promises';
import type { Session } from './session.js';
import { SessionError } from './session-errors.js';

export type StartOutcome = { ok: true; session: Session } | { ok: false; error: unknown };

/** Whether a start ended because it was taken out of line before it began. */
export function wasCancelled(outcome: StartOutcome | undefined): boolean {
  return outcome !== undefined && !outcome.ok && outcome.error instanceof SessionError && outcome.error.code === 'cancelled';
}

/**
 * One learner's sandbox start, carried on in the background whether or not anyone waits for it:
 * the learner's asks follow it (each for a bounded time) until one hears how it ended.
 */
export class LearnerStart {
  /** Its place among the starts waiting for a slot is asked by this (StartLimiter.position). */
  readonly ticket = {};
  readonly #controller = new AbortController();
  readonly done: Promise<StartOutcome>;
  outcome: StartOutcome | undefined;
  settledAt: number | undefined;
  /** The lesson whose sandbox the start ended to make room (a move). */
  movedFrom: { slug: string; title: string } | undefined;
  /** A learner was told of the sandbox: later answers say it was resumed, not created. */
  reported = false;

  constructor(
    readonly lesson: string,
    readonly clientAddress: string,
    run: (start: LearnerStart) => Promise<Session>,
    now: () => number,
  ) {
    // Runs at once (its sandbox counts as starting before anyone else is admitted); a throw becomes the outcome.
    this.done = new Promise<Session>((resolve) => resolve(run(this)))
      .then(
        (session): StartOutcome => ({ ok: true, session }),
        (error: unknown): StartOutcome => ({ ok: false, error }),
      )
      .then((outcome) => {
        this.outcome = outcome;
        this.settledAt = now();
        return outcome;
      });
  }

  /** Aborted by `cancel`: a start still waiting for a slot leaves the line; one running goes on. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  cancel(): void {
    this.#controller.abort();
  }

  /**
   * How it ended, waiting at most `ms` for it; undefined while it is still starting. Even with 0
   * it waits for a timer's turn, so a start begun just now has taken its place in line.
   */
  async within(ms: number): Promise<StartOutcome | undefined> {
    if (this.outcome) return this.outcome;
    const timer = new AbortController();
    const timeout = delay(ms, undefined, { signal: timer.signal }).catch(() => undefined);
    try {
      return await Promise.race([this.done, timeout]);
    } finally {
      timer.abort();
    }
  }
}

/**
 * The sandbox starts under way, one per learner at most: a learner asking again joins their start
 * instead of making another. A start that ended is kept until the learner hears of it (or, for a
 * learner who stopped asking, `forgetAfterMs`; their sandbox, if it started, is reaped when idle
 * like any other); one taken out of line before it began is forgotten at once.
 */
export class LearnerStarts {
  readonly #starts = new Map<string, LearnerStart>();

  constructor(
    private readonly options: { forgetAfterMs: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** The learner's start, under way or ended and not yet told. */
  get(learnerHash: string): LearnerStart | undefined {
    this.#prune();
    return this.#starts.get(learnerHash);
  }

  /** Starts `run` in the background as this learner's start (replacing one they had). */
  begin(learnerHash: string, lesson: string, clientAddress: string, run: (start: LearnerStart) => Promise<Session>): LearnerStart {
    const start = new LearnerStart(lesson, clientAddress, run, this.now);
    this.#starts.set(learnerHash, start);
    void start.done.then((outcome) => {
      if (wasCancelled(outcome)) this.forget(learnerHash, start);
    });
    return start;
  }

  /** Drops this start (if it is still the learner's). */
  forget(learnerHash: string, start: LearnerStart): void {
    if (this.#starts.get(learnerHash) === start) this.#starts.delete(learnerHash);
  }

  /** Starts not ended yet. */
  get running(): number {
    let count = 0;
    for (const start of this.#starts.values()) if (!start.outcome) count += 1;
    return count;
  }

  #prune(): void {
    const oldest = this.now() - this.options.forgetAfterMs;
    for (const [learner, start] of this.#starts) if (start.settledAt !== undefined && start.settledAt < oldest) this.#starts.delete(learner);
  }
}
