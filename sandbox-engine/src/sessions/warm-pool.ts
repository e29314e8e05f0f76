import type { Lesson } from '../contracts/lesson.js';
import type { Logger } from '../log/logger.js';
import type { StartedSandbox } from './sandbox-provisioner.js';
import { claimIndex, planPool, reclaimFrom, type LessonPool, type WarmPoolSettings } from './warm-pool-policy.js';

export interface WarmPoolDeps {
  settings: Omit<WarmPoolSettings, 'demandWindowMs'> & { demandWindowMs?: number };
  /** Every lesson, in course order. */
  lessons: Lesson[];
  /**
   * Starts a pool sandbox of the lesson when a start slot is free (behind learners); `wanted` is
   * asked once the slot is there, and nothing starts when it says no. Undefined: not started.
   */
  start: (lesson: Lesson, wanted: () => boolean) => Promise<StartedSandbox | undefined>;
  /** Destroys a sandbox (its shell, container and disk). */
  remove: (sandbox: StartedSandbox) => Promise<void>;
  /** Ids of the containers that run. */
  running: () => Promise<Set<string>>;
  /** Sandboxes learners hold or are starting, and learners waiting in line. */
  learners: () => { holding: number; waiting: number };
  log: Logger;
  now?: () => number;
}

interface Ready {
  sandbox: StartedSandbox;
  readyAt: number;
}

/** A pool start that runs (holds a start slot), and the learner promised its sandbox, if any. */
interface Running {
  lesson: string;
  /** A learner of this lesson gets the sandbox (or undefined if the start fails). */
  promised?: (sandbox: StartedSandbox | undefined) => void;
  /** A learner of another lesson took this start's slot: the sandbox is destroyed once started, then this is called. */
  slotTaken?: () => void;
}

/** A sandbox the pool is destroying; its slot may be handed to a learner meanwhile. */
interface Retirement {
  handed: boolean;
  removal?: Promise<void>;
}

/** After a failed start, a lesson's pool waits this long before trying again. */
const RETRY_AFTER_MS = 30_000;

/**
 * Ready sandboxes per lesson, started ahead of learners (warm-pool-policy.ts decides how many) so a
 * learner's sandbox, its shell included, is there at once. A sandbox leaves the pool exactly once:
 * claimed by one learner (taken out synchronously, so two claims can never get the same one), or
 * destroyed (expired, unwanted, given up for a learner when every slot is taken, dead). Pool
 * sandboxes count against the capacity; nothing in the pool is ever reused after a learner had it.
 */
export class WarmPool {
  private readonly ready = new Map<string, Ready[]>();
  /** Starts asked for, per lesson: waiting for a start slot or running. */
  private readonly starting = new Map<string, number>();
  /** Starts running (they hold a slot of the capacity; waiting ones do not, and are dropped when unwanted). */
  private active = 0;
  /** Sandboxes being destroyed; a learner may be handed the slot one frees. */
  private readonly retirements = new Set<Retirement>();
  private readonly demand = new Map<string, { last: number; times: number[] }>();
  private readonly failedUntil = new Map<string, number>();
  private readonly removals = new Set<Promise<void>>();
  private readonly fills = new Set<Promise<void>>();
  private readonly runningStarts = new Set<Running>();
  private startMs = 1000;
  private timer: NodeJS.Timeout | undefined;
  private filling = false;
  private reconciling = false;
  private again = false;
  private readonly now: () => number;
  private readonly settings: WarmPoolSettings;

  constructor(private readonly deps: WarmPoolDeps) {
    this.now = deps.now ?? Date.now;
    this.settings = { demandWindowMs: 60_000, ...deps.settings };
  }

  /** Starts filling, and reconsiders every `intervalMs` (expiry, dead sandboxes). Start-up counts as demand for every lesson. */
  start(intervalMs = 5000): void {
    if (this.filling || this.settings.size === 0) return;
    this.filling = true;
    const now = this.now();
    for (const lesson of this.deps.lessons) if (!this.demand.has(lesson.slug)) this.demand.set(lesson.slug, { last: now, times: [] });
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
    for (const list of this.ready.values()) {
      for (const { sandbox } of list) {
        sandbox.shell?.stream.destroy();
        sandbox.shell = undefined;
      }
    }
  }

  /** Stops, destroys everything ready and waits for starts and removals in flight (which are destroyed too). */
  async destroyAll(): Promise<void> {
    this.stop();
    while (this.fills.size > 0 || this.removals.size > 0 || this.readyCount() > 0) {
      for (const lesson of this.ready.keys()) for (let i = this.readyCount(lesson); i > 0; i--) this.retire(lesson);
      await Promise.all([...this.fills, ...this.removals]);
    }
  }

  /** A learner asked for a new sandbox of this lesson. */
  noteDemand(lesson: string): void {
    const now = this.now();
    const entry = this.demand.get(lesson) ?? { last: now, times: [] };
    entry.last = now;
    entry.times = entry.times.filter((at) => now - at <= this.settings.demandWindowMs);
    entry.times.push(now);
    this.demand.set(lesson, entry);
  }

  /** How long a sandbox start took (without waiting for a slot): "auto" sizes the pool by it. */
  noteStartDuration(ms: number): void {
    this.startMs = 0.7 * this.startMs + 0.3 * ms;
  }

  /** A ready sandbox of the lesson, out of the pool and the caller's alone; the pool starts a new one. */
  claim(lesson: string): StartedSandbox | undefined {
    const list = this.ready.get(lesson) ?? [];
    const index = claimIndex(list.map((entry) => entry.readyAt));
    if (index === undefined) return undefined;
    const [taken] = list.splice(index, 1);
    this.deps.log.info('pool.claimed', { session: taken!.sandbox.id, lesson, waitedMs: this.now() - taken!.readyAt });
    this.wake();
    return taken!.sandbox;
  }

  /**
   * No sandbox of the lesson is ready but the pool is starting one nobody was promised: promises it
   * to this learner (true), and calls `take` with it the moment it is ready (synchronously, so the
   * caller counts it before anything else can), or with undefined if its start failed. False: none.
   */
  promiseStarting(lesson: string, take: (sandbox: StartedSandbox | undefined) => void): boolean {
    for (const start of this.runningStarts) {
      if (start.lesson !== lesson || start.promised || start.slotTaken) continue;
      start.promised = take;
      return true;
    }
    return false;
  }

  /**
   * Every slot is taken and a learner of `wanted` needs one: the pool gives one up, which passes to
   * the caller at once (no longer the pool's) and is free once the returned promise resolves. In
   * this order: the slot of a sandbox the pool is destroying already; a ready sandbox of another
   * lesson (reclaimFrom), destroyed now; a start of another lesson, destroyed as soon as it is up.
   * Undefined when the pool holds nothing to give up.
   */
  giveUpSlot(wanted: string): Promise<void> | undefined {
    for (const retirement of this.retirements) {
      if (retirement.handed) continue;
      retirement.handed = true;
      this.deps.log.info('pool.slot.given', { from: 'retiring', for: wanted });
      return retirement.removal;
    }
    const lesson = reclaimFrom(this.lessonPools(), wanted);
    if (lesson) {
      const taken = this.ready.get(lesson)!.pop()!;
      this.deps.log.info('pool.reclaimed', { session: taken.sandbox.id, lesson, for: wanted });
      return this.discard(taken.sandbox);
    }
    for (const start of this.runningStarts) {
      if (start.lesson === wanted || start.promised || start.slotTaken) continue;
      this.active -= 1;
      this.deps.log.info('pool.slot.given', { from: 'starting', lesson: start.lesson, for: wanted });
      return new Promise((resolve) => (start.slotTaken = resolve));
    }
    return undefined;
  }

  /** Destroys a sandbox the pool let go of. */
  discard(sandbox: StartedSandbox): Promise<void> {
    sandbox.shell?.stream.destroy();
    const removal = this.deps.remove(sandbox).catch((error) => this.deps.log.error('pool.remove.failed', { session: sandbox.id, error }));
    this.removals.add(removal);
    void removal.finally(() => this.removals.delete(removal));
    return removal;
  }

  lessonSlugs(): string[] {
    return this.deps.lessons.map((lesson) => lesson.slug);
  }

  readyCount(lesson?: string): number {
    if (lesson !== undefined) return this.ready.get(lesson)?.length ?? 0;
    let count = 0;
    for (const list of this.ready.values()) count += list.length;
    return count;
  }

  startingCount(): number {
    let count = 0;
    for (const value of this.starting.values()) count += value;
    return count;
  }

  private get retiring(): number {
    let count = 0;
    for (const retirement of this.retirements) if (!retirement.handed) count += 1;
    return count;
  }

  /** Slots of the capacity the pool holds: ready, starting (not waiting to), being destroyed. */
  get size(): number {
    return this.readyCount() + this.active + this.retiring;
  }

  /** Slots a learner cannot take from the pool right now: starts promised to learners of their lesson (everything else is given up). */
  get unreclaimable(): number {
    let count = 0;
    for (const start of this.runningStarts) if (start.promised) count += 1;
    return count;
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
    const now = this.now();
    return this.deps.lessons.map((lesson) => {
      const demand = this.demand.get(lesson.slug);
      return {
        lesson: lesson.slug,
        ready: this.readyCount(lesson.slug),
        starting: this.starting.get(lesson.slug) ?? 0,
        lastDemandAt: demand?.last ?? Number.NEGATIVE_INFINITY,
        demand: (demand?.times ?? []).filter((at) => now - at <= this.settings.demandWindowMs),
      };
    });
  }

  private plan() {
    const { holding, waiting } = this.deps.learners();
    return planPool(this.settings, { lessons: this.lessonPools(), learners: holding, waiting, startMs: this.startMs, now: this.now() });
  }

  private reconcile(): void {
    const plan = this.plan();
    for (const lesson of plan.retire) this.retire(lesson);
    if (!this.filling) return;
    const now = this.now();
    for (const slug of plan.fill) {
      if ((this.failedUntil.get(slug) ?? 0) > now) continue;
      const lesson = this.deps.lessons.find((candidate) => candidate.slug === slug);
      if (lesson) this.fill(lesson);
    }
  }

  /** Gives up the lesson's sandbox that was ready last (the one ready longest stays for the next claim). */
  private retire(lesson: string): void {
    const taken = this.ready.get(lesson)?.pop();
    if (!taken) return;
    const retirement: Retirement = { handed: false };
    this.retirements.add(retirement);
    this.deps.log.info('pool.retired', { session: taken.sandbox.id, lesson });
    retirement.removal = this.discard(taken.sandbox).finally(() => {
      this.retirements.delete(retirement);
      this.wake();
    });
  }

  private fill(lesson: Lesson): void {
    const slug = lesson.slug;
    this.starting.set(slug, (this.starting.get(slug) ?? 0) + 1);
    let running: Running | undefined;
    const done = () => {
      this.starting.set(slug, (this.starting.get(slug) ?? 1) - 1);
      if (running) {
        if (!running.slotTaken) this.active -= 1;
        this.runningStarts.delete(running);
      }
    };
    // Still wanted once a start slot is free (asked as if this start were not counted yet), and
    // still room in the capacity? Only then does it take a slot.
    const wanted = () => {
      if (!this.filling) return false;
      this.starting.set(slug, (this.starting.get(slug) ?? 1) - 1);
      const still = this.plan().fill.includes(slug) && this.deps.learners().holding + this.size < this.settings.capacity;
      this.starting.set(slug, (this.starting.get(slug) ?? 0) + 1);
      if (still) {
        running = { lesson: slug };
        this.runningStarts.add(running);
        this.active += 1;
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
            if (sandbox) void this.discard(sandbox).then(slotTaken);
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
          this.ready.set(slug, [...(this.ready.get(slug) ?? []), { sandbox, readyAt: this.now() }]);
          this.deps.log.info('pool.ready', { session: sandbox.id, lesson: slug, ready: this.readyCount(slug) });
          // Stopped meanwhile (or no longer wanted): the next reconcile gives it up.
          if (!this.filling) this.retire(slug);
        },
        (error: Error) => {
          started = true;
          const { promised, slotTaken } = running ?? {};
          done();
          promised?.(undefined);
          slotTaken?.();
          this.failedUntil.set(slug, this.now() + RETRY_AFTER_MS);
          this.deps.log.warn('pool.start.failed', { lesson: slug, error, retryInMs: RETRY_AFTER_MS });
        },
      )
      .finally(() => {
        this.fills.delete(fill);
        // A start that did not happen (not wanted once its turn came) changes nothing to reconsider:
        // waking here would ask again at once, in a loop, while a slot is being freed.
        if (started) this.wake();
      });
    this.fills.add(fill);
  }

  /** Every interval: expiry (through the plan) and ready sandboxes whose container died. */
  private async tick(): Promise<void> {
    if (this.readyCount() > 0) {
      const running = await this.deps.running().catch(() => undefined);
      for (const [lesson, list] of running ? this.ready : []) {
        for (const entry of [...list]) {
          if (running!.has(entry.sandbox.containerId)) continue;
          list.splice(list.indexOf(entry), 1);
          this.deps.log.warn('pool.sandbox.died', { session: entry.sandbox.id, lesson });
          void this.discard(entry.sandbox);
        }
      }
    }
    this.wake();
  }
}
