import type { Lesson } from '../contracts/lesson.js';
import type { Logger } from '../log/logger.js';
import type { StartedSandbox } from './sandbox-provisioner.js';
import { planPool, reclaimFrom, type LessonPool, type WarmPoolSettings } from './warm-pool-policy.js';
import { ReadySandboxes } from './warm-pool-ready.js';
import { PoolDemand } from './warm-pool-demand.js';
import { PoolRemovals } from './warm-pool-removals.js';
import { PoolStarts, type PoolStartsDeps } from './warm-pool-starts.js';

export interface WarmPoolDeps {
  settings: Omit<WarmPoolSettings, 'demandWindowMs'> & { demandWindowMs?: number };
  /** Every lesson, in course order. */
  lessons: Lesson[];
  /**
   * Starts a pool sandbox of the lesson when a start slot is free (behind learners); `wanted` is
   * asked once the slot is there, and nothing starts when it says no. Undefined: not started.
   */
  start: PoolStartsDeps['start'];
  /** Destroys a sandbox (its shell, container and disk). */
  remove: (sandbox: StartedSandbox) => Promise<void>;
  /** Ids of the containers that run. */
  running: () => Promise<Set<string>>;
  /** Sandboxes learners hold or are starting, and learners waiting in line. */
  learners: () => { holding: number; waiting: number };
  log: Logger;
  now?: () => number;
}

/**
 * Ready sandboxes per lesson, started ahead of learners (warm-pool-policy.ts decides how many) so a
 * learner's sandbox, its shell included, is there at once. A sandbox leaves the pool exactly once:
 * claimed by one learner (taken out synchronously, so two claims can never get the same one), or
 * destroyed (expired, unwanted, given up for a learner when every slot is taken, dead). Pool
 * sandboxes count against the capacity; nothing in the pool is ever reused after a learner had it.
 * The ready sandboxes (warm-pool-ready.ts), the starts (warm-pool-starts.ts) and the removals
 * (warm-pool-removals.ts) each keep their own books; this class plans and hands out.
 */
export class WarmPool {
  private readonly ready = new ReadySandboxes();
  private readonly starts: PoolStarts;
  private readonly removals: PoolRemovals;
  private readonly demand: PoolDemand;
  private timer: NodeJS.Timeout | undefined;
  private filling = false;
  private reconciling = false;
  private again = false;
  private readonly now: () => number;
  private readonly settings: WarmPoolSettings;

  constructor(private readonly deps: WarmPoolDeps) {
    this.now = deps.now ?? Date.now;
    this.settings = { demandWindowMs: 60_000, ...deps.settings };
    this.demand = new PoolDemand(this.settings.demandWindowMs, this.now);
    this.removals = new PoolRemovals({ remove: deps.remove, retired: () => this.wake(), log: deps.log });
    this.starts = new PoolStarts({
      start: deps.start,
      stillWanted: (slug) => this.filling && this.plan().fill.includes(slug) && this.deps.learners().holding + this.size < this.settings.capacity,
      ready: (slug, sandbox) => {
        this.ready.add(slug, sandbox, this.now());
        this.deps.log.info('pool.ready', { session: sandbox.id, lesson: slug, ready: this.readyCount(slug) });
        // Stopped meanwhile (or no longer wanted): the next reconcile gives it up.
        if (!this.filling) this.retire(slug);
      },
      discard: (sandbox) => this.discard(sandbox),
      started: () => this.wake(),
      log: deps.log,
      now: this.now,
    });
  }

  /** Starts filling, and reconsiders every `intervalMs` (expiry, dead sandboxes). Start-up counts as demand for every lesson. */
  start(intervalMs = 5000): void {
    if (this.filling || this.settings.size === 0) return;
    this.filling = true;
    this.demand.seed(this.lessonSlugs());
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
    this.wake();
  }

  /**
   * Stops filling and closes the ready sandboxes' shells; the sandboxes stay (an engine that stops
   * leaves them to the next one, which destroys them: they were never claimed).
   */
  stop(): void {
    this.filling = false;
    clearInterval(this.timer);
    this.timer = undefined;
    this.ready.closeShells();
  }

  /** Stops, destroys everything ready and waits for starts and removals in flight (which are destroyed too). */
  async destroyAll(): Promise<void> {
    this.stop();
    while (this.starts.inFlight.length > 0 || this.removals.inFlight.length > 0 || this.readyCount() > 0) {
      for (const lesson of this.ready.lessons()) for (let i = this.readyCount(lesson); i > 0; i--) this.retire(lesson);
      await Promise.all([...this.starts.inFlight, ...this.removals.inFlight]);
    }
  }

  /** A learner asked for a new sandbox of this lesson. */
  noteDemand(lesson: string): void {
    this.demand.note(lesson);
  }

  /** How long a sandbox start took (without waiting for a slot): "auto" sizes the pool by it. */
  noteStartDuration(ms: number): void {
    this.starts.noteDuration(ms);
  }

  /** A ready sandbox of the lesson, out of the pool and the caller's alone; the pool starts a new one. */
  claim(lesson: string): StartedSandbox | undefined {
    const taken = this.ready.claim(lesson);
    if (!taken) return undefined;
    this.deps.log.info('pool.claimed', { session: taken.sandbox.id, lesson, waitedMs: this.now() - taken.readyAt });
    this.wake();
    return taken.sandbox;
  }

  /**
   * No sandbox of the lesson is ready but the pool is starting one nobody was promised: promises it
   * to this learner (true), and calls `take` with it the moment it is ready (synchronously, so the
   * caller counts it before anything else can), or with undefined if its start failed. False: none.
   */
  promiseStarting(lesson: string, take: (sandbox: StartedSandbox | undefined) => void): boolean {
    return this.starts.promise(lesson, take);
  }

  /**
   * Every slot is taken and a learner of `wanted` needs one: the pool gives one up, which passes to
   * the caller at once (no longer the pool's) and is free once the returned promise resolves. In
   * this order: the slot of a sandbox the pool is destroying already; a ready sandbox of another
   * lesson (reclaimFrom), destroyed now; a start of another lesson, destroyed as soon as it is up.
   * Undefined when the pool holds nothing to give up.
   */
  giveUpSlot(wanted: string): Promise<void> | undefined {
    const handed = this.removals.handOver(wanted);
    if (handed) return handed;
    const lesson = reclaimFrom(this.lessonPools(), wanted);
    if (lesson) {
      const taken = this.ready.takeNewest(lesson)!;
      this.deps.log.info('pool.reclaimed', { session: taken.sandbox.id, lesson, for: wanted });
      return this.discard(taken.sandbox);
    }
    return this.starts.giveUpSlot(wanted);
  }

  /** Destroys a sandbox the pool let go of. */
  discard(sandbox: StartedSandbox): Promise<void> {
    return this.removals.discard(sandbox);
  }

  lessonSlugs(): string[] {
    return this.deps.lessons.map((lesson) => lesson.slug);
  }

  readyCount(lesson?: string): number {
    return this.ready.count(lesson);
  }

  startingCount(): number {
    return this.starts.count();
  }

  /** Slots of the capacity the pool holds: ready, starting (not waiting to), being destroyed. */
  get size(): number {
    return this.readyCount() + this.starts.active + this.removals.retiring;
  }

  /** Slots a learner cannot take from the pool right now: starts promised to learners of their lesson (everything else is given up). */
  get unreclaimable(): number {
    return this.starts.promised;
  }

  /** Reconsiders what to start and what to give up, soon (coalesced). */
  wake(): void {
    if (this.reconciling) {
      this.again = true;
      return;
    }
    this.reconciling = true;
    queueMicrotask(() => {
      try {
        do {
          this.again = false;
          this.reconcile();
        } while (this.again);
      } finally {
        this.reconciling = false;
      }
    });
  }

  private lessonPools(): LessonPool[] {
    return this.deps.lessons.map(({ slug }) => ({ lesson: slug, ready: this.readyCount(slug), starting: this.starts.count(slug), ...this.demand.of(slug) }));
  }

  private plan() {
    const { holding, waiting } = this.deps.learners();
    return planPool(this.settings, { lessons: this.lessonPools(), learners: holding, waiting, startMs: this.starts.startMs, now: this.now() });
  }

  private reconcile(): void {
    const plan = this.plan();
    for (const lesson of plan.retire) this.retire(lesson);
    if (!this.filling) return;
    for (const slug of plan.fill) {
      if (this.starts.failing(slug)) continue;
      const lesson = this.deps.lessons.find((candidate) => candidate.slug === slug);
      if (lesson) this.starts.fill(lesson);
    }
  }

  /** Gives up the lesson's sandbox that was ready last (the one ready longest stays for the next claim). */
  private retire(lesson: string): void {
    const taken = this.ready.takeNewest(lesson);
    if (taken) this.removals.retire(lesson, taken.sandbox);
  }

  /** Every interval: expiry (through the plan) and ready sandboxes whose container died. */
  private async tick(): Promise<void> {
    if (this.readyCount() > 0) {
      const running = await this.deps.running().catch(() => undefined);
      for (const { lesson, entry } of running ? this.ready.takeDead(running) : []) {
        this.deps.log.warn('pool.sandbox.died', { session: entry.sandbox.id, lesson });
        void this.discard(entry.sandbox);
      }
    }
    this.wake();
  }
}
