import type { Config } from '../config/config-schema.js';
import type { Lesson } from '../contracts/lesson.js';
import type { Logger } from '../log/logger.js';
import type { PoolClaims } from './pool-claims.js';
import { handOverPoolSandbox } from './pool-hand-over.js';
import type { SandboxProvisioner, StartedSandbox } from './sandbox-provisioner.js';
import type { Session } from './session.js';
import { SessionError } from './session-errors.js';
import type { SessionIndex } from './session-index.js';
import { StartLimiter, type StartOptions } from './start-limiter.js';
import { WarmPool } from './warm-pool.js';

export interface SessionStartsDeps {
  config: Config;
  provisioner: SandboxProvisioner;
  claims: PoolClaims;
  /** Where a learner's session goes once its sandbox is theirs. */
  sessions: SessionIndex;
  findLesson: (slug: string) => Lesson | undefined;
  /** Ids of the containers that run (the warm pool finds its dead sandboxes with it). */
  running: () => Promise<Set<string>>;
  log: Logger;
}

/**
 * How learners' sandboxes start, and what they count against MAX_SANDBOXES: from the warm pool
 * when it has one of the lesson, else a new one when a start slot is free (StartLimiter, shared with
 * the pool's starts, which go behind learners'). The warm pool is wired here, since it fills the
 * slots learners leave free and gives one up when a learner needs it.
 */
export class SessionStarts {
  /** Learners' sandboxes being made (or handed over from the pool): they count as held. */
  private creating = 0;
  /** Sandboxes being made (a learner's start goes on in the background): destroyAll waits for them. */
  private readonly creates = new Set<Promise<Session>>();
  private readonly starts: StartLimiter;
  private pool: WarmPool | undefined;
  private waiting: () => number = () => 0;

  constructor(private readonly deps: SessionStartsDeps) {
    this.starts = new StartLimiter(deps.config.MAX_CONCURRENT_STARTS);
  }

  get capacity(): number {
    return this.deps.config.MAX_SANDBOXES;
  }

  /** Sandboxes running or starting, learners' and the warm pool's: what counts against MAX_SANDBOXES. */
  get occupied(): number {
    return this.deps.sessions.size + this.creating + (this.pool?.size ?? 0);
  }

  /** Slots a learner may take now: free ones, and the warm pool's (given up first). */
  get available(): number {
    return this.capacity - this.deps.sessions.size - this.creating - (this.pool?.unreclaimable ?? 0);
  }

  /** What the warm pool holds now (for health and tests): ready sandboxes in all and per lesson, starts asked for. */
  get poolState(): { ready: number; starting: number; readyByLesson: Record<string, number> } {
    const pool = this.pool;
    const readyByLesson = Object.fromEntries((pool?.lessonSlugs() ?? []).map((slug) => [slug, pool!.readyCount(slug)]));
    return { ready: pool?.readyCount() ?? 0, starting: pool?.startingCount() ?? 0, readyByLesson };
  }

  /** How many learners wait in line: the pool leaves their slots free. */
  countWaiting(count: () => number): void {
    this.waiting = count;
  }

  /**
   * Keeps ready sandboxes of these lessons (WARM_POOL_SIZE; nothing with 0), started behind
   * learners' starts and given up first when learners need the room.
   */
  startPool(lessons: Lesson[]): void {
    const { config, provisioner, log } = this.deps;
    if (this.pool || config.WARM_POOL_SIZE === 0) return;
    this.pool = new WarmPool({
      settings: { size: config.WARM_POOL_SIZE, capacity: config.MAX_SANDBOXES, idleMs: config.WARM_POOL_IDLE_SECONDS * 1000 },
      lessons,
      start: (lesson, wanted) =>
        this.starts.run(async () => {
          if (!wanted()) return undefined;
          const started = Date.now();
          const sandbox = await provisioner.start(lesson, { kind: 'pool' });
          this.pool?.noteStartDuration(Date.now() - started);
          return sandbox;
        }, 'pool'),
      remove: (sandbox) => provisioner.remove(sandbox.containerName, sandbox.id),
      running: this.deps.running,
      learners: () => ({ holding: this.deps.sessions.size + this.creating, waiting: this.waiting() }),
      log: log.child({ component: 'warm-pool' }),
    });
    this.pool.start();
    log.info('pool.started', { size: config.WARM_POOL_SIZE, capacity: config.MAX_SANDBOXES, concurrentStarts: config.MAX_CONCURRENT_STARTS });
  }

  /** Where the start holding `ticket` stands among the starts (0: not waiting for a slot), and how many start. */
  startPlace(ticket: object): { position: number; waiting: number; running: number; slots: number } {
    return { position: this.starts.position(ticket), waiting: this.starts.waiting('learner'), running: this.starts.running, slots: this.starts.max };
  }

  /**
   * A sandbox of a lesson for a learner, added to the sessions once it is theirs: from the warm pool
   * when it has one ready (or starting), else a new one, started when a start slot is free
   * (StartLimiter; `start` gives its place a ticket, and a signal that takes it out of line before it
   * begins). When every slot is taken, the pool gives one up for it.
   */
  create(lessonSlug: string, learnerHash: string, clientAddress: string | undefined, start: StartOptions): Promise<Session> {
    const making = this.make(lessonSlug, learnerHash, clientAddress, start);
    this.creates.add(making);
    void making.catch(() => undefined).finally(() => this.creates.delete(making));
    return making;
  }

  /** A sandbox was removed: the pool may start one in its place. */
  slotFreed(): void {
    this.pool?.wake();
  }

  /** Stops the pool's timers (its sandboxes stay up). */
  stopPool(): void {
    this.pool?.stop();
  }

  /** Waits until no start is under way (each has ended, either way). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.creates]);
  }

  /** Destroys every sandbox of the pool. */
  async destroyPool(): Promise<void> {
    await this.pool?.destroyAll();
  }

  private async make(lessonSlug: string, learnerHash: string, clientAddress: string | undefined, start: StartOptions): Promise<Session> {
    const lesson = this.deps.findLesson(lessonSlug);
    if (!lesson) throw new SessionError('unknown-lesson', `There is no lesson "${lessonSlug}".`);
    const requested = Date.now();
    this.pool?.noteDemand(lesson.slug);
    const pooled = await this.fromPool(lesson, learnerHash, clientAddress);
    const session = pooled ?? (await this.createNew(lesson, learnerHash, clientAddress, start));
    this.deps.log.info('session.created', { session: session.id, lesson: lesson.slug, fromPool: pooled !== undefined, ms: Date.now() - requested });
    return session;
  }

  /** A ready pool sandbox of the lesson, else one the pool is starting (counted as this learner's from the moment it is up). */
  private async fromPool(lesson: Lesson, learnerHash: string, clientAddress: string | undefined): Promise<Session | undefined> {
    const pool = this.pool;
    if (!pool) return undefined;
    let claimed = pool.claim(lesson.slug);
    if (claimed) this.creating += 1;
    else {
      claimed = await new Promise<StartedSandbox | undefined>((resolve) => {
        const promised = pool.promiseStarting(lesson.slug, (sandbox) => {
          if (sandbox) this.creating += 1;
          resolve(sandbox);
        });
        if (!promised) resolve(undefined);
      });
    }
    if (!claimed) return undefined;
    try {
      const session = await handOverPoolSandbox(this.deps, claimed, lesson, { learnerHash, clientAddress });
      if (session) this.deps.sessions.add(session);
      return session;
    } finally {
      this.creating -= 1;
    }
  }

  /** A new sandbox; when every slot is taken, the warm pool gives one up (its sandbox destroyed before this one starts). */
  private async createNew(lesson: Lesson, learnerHash: string, clientAddress: string | undefined, start: StartOptions): Promise<Session> {
    let freed: Promise<void> | undefined;
    if (this.occupied >= this.capacity) {
      freed = this.pool?.giveUpSlot(lesson.slug);
      if (!freed) {
        throw new SessionError(
          'capacity',
          `All ${this.capacity} sandboxes of this server are in use. One frees up when a learner finishes or goes idle: try again in a few minutes.`,
        );
      }
    }
    this.creating += 1;
    try {
      await freed;
      const session = await this.starts.run(async () => {
        const started = Date.now();
        const made = await this.deps.provisioner.provision(lesson, learnerHash, clientAddress);
        this.pool?.noteStartDuration(Date.now() - started);
        return made;
      }, 'learner', start);
      this.deps.sessions.add(session);
      return session;
    } finally {
      this.creating -= 1;
      this.pool?.wake();
    }
  }
}
