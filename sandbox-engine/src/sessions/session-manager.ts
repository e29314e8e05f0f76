import path from 'node:path';
import type { Config } from '../config/config-schema.js';
import type { Lesson } from '../contracts/lesson.js';
import type { SessionEnded, SessionExpiring } from '../contracts/socket-events.js';
import { oneOffSandboxShell } from '../checkers/one-off-sandbox-shell.js';
import { PersistentSandboxShell } from '../checkers/persistent-sandbox-shell.js';
import type { SandboxShell } from '../checkers/sandbox-shell.js';
import type { SandboxDriver } from '../drivers/sandbox-driver.js';
import type { Logger } from '../log/logger.js';
import type { SandboxDiskFacts } from '../store/sandbox-disk.js';
import type { SandboxTerminal } from '../terminal/sandbox-terminal.js';
import { hashLearnerKey, learnerHashOf, newLearnerKey, sameLearner } from './learner-key.js';
import { PoolClaims } from './pool-claims.js';
import { instanceLabels, SandboxProvisioner, type CloneStore, type SeedSource, type StartedSandbox } from './sandbox-provisioner.js';
import type { Session } from './session.js';
import { adoptSandboxes } from './session-adoption.js';
import { SessionError } from './session-errors.js';
import type { SessionJournal } from './session-journal.js';
import { SessionReaper } from './session-reaper.js';
import { SessionTerminals } from './session-terminals.js';
import { StartLimiter, type StartOptions } from './start-limiter.js';
import { WarmPool } from './warm-pool.js';

export type SessionEvent =
  | { type: 'expiring'; session: Session; payload: SessionExpiring }
  | { type: 'ended'; session: Session; payload: SessionEnded };

export interface SessionManagerDeps {
  config: Config;
  driver: SandboxDriver;
  store: CloneStore;
  seeds: SeedSource;
  disk: SandboxDiskFacts;
  findLesson: (slug: string) => Lesson | undefined;
  log: Logger;
  /** Keeps scrollback, tab names and passed steps across an engine restart (tools run without). */
  journal?: SessionJournal;
}

const endMessages: Record<SessionEnded['reason'], string> = {
  idle: 'Your sandbox was stopped after a period without activity. Everything in it is gone.',
  lifetime: 'Your sandbox reached its maximum lifetime and was stopped. Everything in it is gone.',
  ended: 'This sandbox was ended.',
  moved: 'You started another lesson, so this sandbox was ended: a learner holds one sandbox at a time.',
  'sandbox-died': 'Your sandbox stopped unexpectedly (it may have run out of memory). Everything in it is gone.',
};

/**
 * The live sessions of this engine: who holds which sandbox, their lifecycle (create, touch, end)
 * and its events. The work is done by its parts: the provisioner (sandboxes), the start limiter (how
 * many start at once), the warm pool (sandboxes ready ahead of learners), the terminals (tabs and
 * shells), the reaper (idle and lifetime ends) and adoption (after a restart).
 */
export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly listeners = new Set<(event: SessionEvent) => void>();
  private creating = 0;
  /** Sandboxes being made (a learner's start goes on in the background): destroyAll waits for them. */
  private readonly creates = new Set<Promise<Session>>();
  private readonly provisioner: SandboxProvisioner;
  private readonly terminals: SessionTerminals;
  private readonly reaper: SessionReaper;
  private readonly starts: StartLimiter;
  private readonly claims: PoolClaims;
  private pool: WarmPool | undefined;
  private waiting: () => number = () => 0;

  constructor(private readonly deps: SessionManagerDeps) {
    this.provisioner = new SandboxProvisioner(deps);
    this.starts = new StartLimiter(deps.config.MAX_CONCURRENT_STARTS);
    this.claims = new PoolClaims({ dir: path.join(deps.config.DOCKYARD_DATA_DIR, 'pool-claims'), instance: deps.config.DOCKYARD_INSTANCE });
    this.terminals = new SessionTerminals(deps);
    this.reaper = new SessionReaper({
      sessions: () => this.list(),
      runningContainers: () => this.runningContainers(),
      end: (session, reason) => this.destroy(session, reason),
      warn: (session, payload) => this.emit({ type: 'expiring', session, payload }),
      settings: () => this.settings,
    });
  }

  get settings() {
    return {
      idleTimeoutMs: this.deps.config.IDLE_TIMEOUT_SECONDS * 1000,
      warnBeforeMs: this.deps.config.WARN_BEFORE_SECONDS * 1000,
    };
  }

  onEvent(listener: (event: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: SessionEvent) {
    for (const listener of this.listeners) listener(event);
  }

  list(): Session[] {
    return [...this.sessions.values()];
  }

  get(sessionId: string): Session | undefined {
    return this.sessions.get(sessionId);
  }

  /** The sandbox this learner holds (one at most), for any lesson. */
  forLearner(learnerHash: string): Session | undefined {
    return this.list().find((session) => !session.ended && sameLearner(session.learnerHash, learnerHash));
  }

  /** The live session of this lesson that a learner's key opens, or undefined. */
  authenticate(lesson: string, learnerKey: unknown): Session | undefined {
    const learnerHash = learnerHashOf(learnerKey);
    if (!learnerHash) return undefined;
    const session = this.forLearner(learnerHash);
    return session && session.lesson === lesson ? session : undefined;
  }

  /** The session whose port previews this token opens. */
  byPreviewToken(token: string): Session | undefined {
    return this.list().find((session) => session.previewToken === token && !session.ended);
  }

  /** The session whose port previews this host-name label opens. */
  byPreviewHost(label: string): Session | undefined {
    return this.list().find((session) => session.previewHost === label && !session.ended);
  }

  /** Sandboxes running or starting, learners' and the warm pool's: what counts against MAX_SANDBOXES. */
  get occupied(): number {
    return this.sessions.size + this.creating + (this.pool?.size ?? 0);
  }

  /** Slots a learner may take now: free ones, and the warm pool's (given up first). */
  get available(): number {
    return this.capacity - this.sessions.size - this.creating - (this.pool?.unreclaimable ?? 0);
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
   * learners' starts and given up first when learners need the room. Served engines start it after
   * adopting what an earlier engine left.
   */
  startPool(lessons: Lesson[]): void {
    const { config, log } = this.deps;
    if (this.pool || config.WARM_POOL_SIZE === 0) return;
    this.pool = new WarmPool({
      settings: { size: config.WARM_POOL_SIZE, capacity: config.MAX_SANDBOXES, idleMs: config.WARM_POOL_IDLE_SECONDS * 1000 },
      lessons,
      start: (lesson, wanted) =>
        this.starts.run(async () => {
          if (!wanted()) return undefined;
          const started = Date.now();
          const sandbox = await this.provisioner.start(lesson, { kind: 'pool' });
          this.pool?.noteStartDuration(Date.now() - started);
          return sandbox;
        }, 'pool'),
      remove: (sandbox) => this.provisioner.remove(sandbox.containerName, sandbox.id),
      running: () => this.runningContainers(),
      learners: () => ({ holding: this.sessions.size + this.creating, waiting: this.waiting() }),
      log: log.child({ component: 'warm-pool' }),
    });
    this.pool.start();
    log.info('pool.started', { size: config.WARM_POOL_SIZE, capacity: config.MAX_SANDBOXES, concurrentStarts: config.MAX_CONCURRENT_STARTS });
  }

  private async runningContainers(): Promise<Set<string>> {
    const listed = await this.deps.driver.list(instanceLabels(this.deps.config));
    return new Set(listed.filter((sandbox) => sandbox.running).map((sandbox) => sandbox.containerId));
  }

  get capacity(): number {
    return this.deps.config.MAX_SANDBOXES;
  }

  /** Where the start holding `ticket` stands among the starts (0: not waiting for a slot), and how many start. */
  startPlace(ticket: object): { position: number; waiting: number; running: number; slots: number } {
    return { position: this.starts.position(ticket), waiting: this.starts.waiting('learner'), running: this.starts.running, slots: this.starts.max };
  }

  /**
   * A sandbox of a lesson for a learner (by the hash of their key; tools get a fresh one): from the
   * warm pool when it has one ready (or starting), else a new one, started when a start slot is free
   * (StartLimiter; `start` gives its place a ticket, and a signal that takes it out of line before it
   * begins). When every slot is taken, the pool gives one up for it.
   */
  create(lessonSlug: string, learnerHash = hashLearnerKey(newLearnerKey()), clientAddress?: string, start: StartOptions = {}): Promise<Session> {
    const making = this.make(lessonSlug, learnerHash, clientAddress, start);
    this.creates.add(making);
    void making.catch(() => undefined).finally(() => this.creates.delete(making));
    return making;
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
      const session = await this.handOverClaimed(claimed, lesson, learnerHash, clientAddress);
      if (session) this.sessions.set(session.id, session);
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
        const made = await this.provisioner.provision(lesson, learnerHash, clientAddress);
        this.pool?.noteStartDuration(Date.now() - started);
        return made;
      }, 'learner', start);
      this.sessions.set(session.id, session);
      return session;
    } finally {
      this.creating -= 1;
      this.pool?.wake();
    }
  }

  /**
   * A pool sandbox becomes this learner's: the claim is recorded first (a restarted engine adopts
   * it for them, and destroys pool sandboxes without one), then the starting files. Undefined, with
   * the sandbox destroyed, when it does not take them (it died in the pool).
   */
  private async handOverClaimed(sandbox: StartedSandbox, lesson: Lesson, learnerHash: string, clientAddress: string | undefined): Promise<Session | undefined> {
    const createdAt = Date.now();
    const claim = { learnerHash, clientAddress, createdAt, expiresAt: createdAt + this.deps.config.MAX_LIFETIME_SECONDS * 1000 };
    try {
      await this.claims.record(sandbox.id, claim);
      return await this.provisioner.handOver(sandbox, lesson, claim);
    } catch (error) {
      this.deps.log.warn('pool.claim.failed', { session: sandbox.id, lesson: lesson.slug, error });
      sandbox.shell?.stream.destroy();
      await this.claims.remove(sandbox.id).catch(() => undefined);
      await this.provisioner.remove(sandbox.containerName, sandbox.id);
      return undefined;
    }
  }

  /** The learner did something: the idle clock starts again. */
  touch(session: Session): void {
    session.lastActivity = Date.now();
  }

  /** A step's checks passed in this session. */
  markPassed(session: Session, stepId: string): void {
    session.passedSteps.add(stepId);
  }

  /** Adds a terminal tab; its shell starts when a page attaches to it. */
  openTerminal(session: Session, name?: string): { terminalId: string; name: string } {
    return this.terminals.open(session, name);
  }

  renameTerminal(session: Session, terminalId: string, name: string): void {
    this.terminals.rename(session, terminalId, name);
  }

  closeTerminal(session: Session, terminalId: string): void {
    this.terminals.close(session, terminalId);
  }

  /** The session's terminal with this id, its shell started on first use (`since`: the output the attaching page holds). */
  terminal(session: Session, terminalId: string, size: { cols: number; rows: number; since?: number }): Promise<SandboxTerminal> {
    return this.terminals.get(session, terminalId, size);
  }

  /** Runs commands on the sandbox host, for step checkers: the session's check shell (a one-off exec per command once it ended). */
  shellFor(session: Session): SandboxShell {
    const { driver, log } = this.deps;
    const oneOff = oneOffSandboxShell(driver, session.containerId);
    if (session.ended) return oneOff;
    session.checkShell ??= new PersistentSandboxShell({ driver, containerId: session.containerId, fallback: oneOff, log: log.child({ session: session.id }) });
    return session.checkShell;
  }

  async destroy(session: Session, reason: SessionEnded['reason']): Promise<void> {
    if (session.ended) return;
    session.ended = true;
    this.sessions.delete(session.id);
    this.terminals.closeAll(session);
    session.checkShell?.close();
    this.emit({ type: 'ended', session, payload: { reason, message: endMessages[reason] } });
    await this.provisioner.remove(session.containerName, session.id);
    await this.claims.remove(session.id).catch((error) => this.deps.log.error('session.claim.remove.failed', { session: session.id, error }));
    this.pool?.wake();
    await this.deps.journal?.remove(session.id).catch((error) => this.deps.log.error('session.journal.remove.failed', { session: session.id, error }));
    this.deps.log.info('session.ended', { session: session.id, reason });
  }

  /** After a restart: takes back live sandboxes of this instance, removes dead ones and stray clones. */
  async adopt(): Promise<number> {
    const adopted = await adoptSandboxes({
      config: this.deps.config,
      driver: this.deps.driver,
      store: this.deps.store,
      provisioner: this.provisioner,
      claims: this.claims,
      lessonExists: (slug) => this.deps.findLesson(slug) !== undefined,
      log: this.deps.log,
    });
    for (const session of adopted) this.sessions.set(session.id, session);
    await this.deps.journal?.restore(this.list());
    return this.sessions.size;
  }

  startReaper(intervalMs = 2000): void {
    this.reaper.start(intervalMs);
  }

  /** Ends idle, expired and dead sessions; warns once before an idle or lifetime end. */
  reap(now = Date.now()): Promise<void> {
    return this.reaper.reap(now);
  }

  /** Stops timers and closes terminals; sandboxes stay up for the next engine to adopt (or, unclaimed pool ones, destroy). */
  close(): void {
    this.reaper.stop();
    this.pool?.stop();
    for (const session of this.sessions.values()) {
      this.terminals.closeAll(session);
      session.checkShell?.close();
    }
  }

  async destroyAll(): Promise<void> {
    this.close();
    await Promise.allSettled([...this.creates]);
    await Promise.all([...this.list().map((session) => this.destroy(session, 'ended')), this.pool?.destroyAll()]);
  }
}
