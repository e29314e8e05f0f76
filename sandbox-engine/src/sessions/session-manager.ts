import path from 'node:path';
import type { Config } from '../config/config-schema.js';
import type { Lesson } from '../contracts/lesson.js';
import type { SessionEnded } from '../contracts/socket-events.js';
import type { SandboxShell } from '../checkers/sandbox-shell.js';
import type { SandboxDriver } from '../drivers/sandbox-driver.js';
import { neighbourCensus } from '../isolation/neighbour-census.js';
import { readNeighbourTableTotals } from '../isolation/neighbour-table-totals.js';
import type { Logger } from '../log/logger.js';
import type { SandboxDiskFacts } from '../store/sandbox-disk.js';
import type { SandboxTerminal } from '../terminal/sandbox-terminal.js';
import { hashLearnerKey, newLearnerKey } from './learner-key.js';
import { NeighbourWatchdog } from './neighbour-watchdog.js';
import { PoolClaims } from './pool-claims.js';
import { runningSandboxIds } from './running-sandboxes.js';
import { SandboxProvisioner, type CloneStore, type SeedSource } from './sandbox-provisioner.js';
import type { Session } from './session.js';
import { adoptSandboxes } from './session-adoption.js';
import { SessionCheckShells } from './session-check-shells.js';
import { SessionEvents, type SessionEvent } from './session-events.js';
import { SessionIndex } from './session-index.js';
import type { SessionJournal } from './session-journal.js';
import { SessionReaper } from './session-reaper.js';
import { SessionStarts } from './session-starts.js';
import { SessionTerminals } from './session-terminals.js';
import type { StartOptions } from './start-limiter.js';

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

/**
 * The live sessions of this engine: who holds which sandbox, their lifecycle (create, touch, end)
 * and its events. The work is done by its parts: the index (lookups), the starts (sandboxes from the
 * warm pool or new, under the start limit and the capacity), the provisioner (sandboxes), the
 * terminals (tabs and shells), the check shells, the reaper (idle and lifetime ends) and adoption
 * (after a restart).
 */
export class SessionManager {
  private readonly sessions = new SessionIndex();
  private readonly events = new SessionEvents();
  private readonly provisioner: SandboxProvisioner;
  private readonly claims: PoolClaims;
  private readonly starts: SessionStarts;
  private readonly terminals: SessionTerminals;
  private readonly checkShells: SessionCheckShells;
  private readonly reaper: SessionReaper;
  private readonly neighbours: NeighbourWatchdog;

  constructor(private readonly deps: SessionManagerDeps) {
    const { config, findLesson, log } = deps;
    this.provisioner = new SandboxProvisioner(deps);
    this.claims = new PoolClaims({ dir: path.join(config.DOCKYARD_DATA_DIR, 'pool-claims'), instance: config.DOCKYARD_INSTANCE });
    const running = () => runningSandboxIds(deps.driver, config);
    this.starts = new SessionStarts({ config, provisioner: this.provisioner, claims: this.claims, sessions: this.sessions, findLesson, running, log });
    this.terminals = new SessionTerminals(deps);
    this.checkShells = new SessionCheckShells(deps);
    this.reaper = new SessionReaper({
      sessions: () => this.list(),
      runningContainers: running,
      end: (session, reason) => this.destroy(session, reason),
      warn: (session, payload) => this.events.expiring(session, payload),
      settings: () => this.settings,
    });
    this.neighbours = new NeighbourWatchdog({
      sessions: () => this.list(),
      processId: (session) => deps.driver.processId(session.containerId),
      census: (processId, session, limit) => neighbourCensus(processId, session.containerId, limit),
      totals: () => readNeighbourTableTotals(),
      end: (session) => this.destroy(session, 'kernel-limit'),
      log,
      limit: config.SANDBOX_NEIGHBOURS_MAX,
      // A look costs ~50-80 ms of CPU (the census): one sandbox every 5 s; the counts are read every second.
      turnEveryMs: 5000,
    });
  }

  get settings() {
    return {
      idleTimeoutMs: this.deps.config.IDLE_TIMEOUT_SECONDS * 1000,
      warnBeforeMs: this.deps.config.WARN_BEFORE_SECONDS * 1000,
    };
  }

  onEvent(listener: (event: SessionEvent) => void): () => void {
    return this.events.on(listener);
  }

  // The lookups are the index's (session-index.ts).
  list(): Session[] {
    return this.sessions.list();
  }

  get(sessionId: string): Session | undefined {
    return this.sessions.get(sessionId);
  }

  forLearner(learnerHash: string): Session | undefined {
    return this.sessions.forLearner(learnerHash);
  }

  authenticate(lesson: string, learnerKey: unknown): Session | undefined {
    return this.sessions.authenticate(lesson, learnerKey);
  }

  byPreviewToken(token: string): Session | undefined {
    return this.sessions.byPreviewToken(token);
  }

  byPreviewHost(label: string): Session | undefined {
    return this.sessions.byPreviewHost(label);
  }

  // Capacity, the warm pool and starts are the starts' (session-starts.ts).
  get occupied(): number {
    return this.starts.occupied;
  }

  get available(): number {
    return this.starts.available;
  }

  get capacity(): number {
    return this.starts.capacity;
  }

  get poolState(): SessionStarts['poolState'] {
    return this.starts.poolState;
  }

  countWaiting(count: () => number): void {
    this.starts.countWaiting(count);
  }

  /** Starts the warm pool (see SessionStarts.startPool): served engines start it after adopting what an earlier engine left. */
  startPool(lessons: Lesson[]): void {
    this.starts.startPool(lessons);
  }

  startPlace(ticket: object): ReturnType<SessionStarts['startPlace']> {
    return this.starts.startPlace(ticket);
  }

  /** A sandbox of a lesson for a learner (by the hash of their key; tools get a fresh one): see SessionStarts.create. */
  create(lessonSlug: string, learnerHash = hashLearnerKey(newLearnerKey()), clientAddress?: string, start: StartOptions = {}): Promise<Session> {
    return this.starts.create(lessonSlug, learnerHash, clientAddress, start);
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
    return this.checkShells.for(session);
  }

  async destroy(session: Session, reason: SessionEnded['reason']): Promise<void> {
    if (session.ended) return;
    session.ended = true;
    this.sessions.remove(session);
    this.closeShells(session);
    this.events.ended(session, reason);
    await this.provisioner.remove(session.containerName, session.id);
    await this.claims.remove(session.id).catch((error) => this.deps.log.error('session.claim.remove.failed', { session: session.id, error }));
    this.starts.slotFreed();
    await this.deps.journal?.remove(session.id).catch((error) => this.deps.log.error('session.journal.remove.failed', { session: session.id, error }));
    this.deps.log.info('session.ended', { session: session.id, reason });
  }

  /** After a restart: takes back live sandboxes of this instance, removes dead ones and stray clones. */
  async adopt(): Promise<number> {
    const { config, driver, store, findLesson, log } = this.deps;
    const lessonExists = (slug: string) => findLesson(slug) !== undefined;
    const adopted = await adoptSandboxes({ config, driver, store, provisioner: this.provisioner, claims: this.claims, lessonExists, log });
    for (const session of adopted) this.sessions.add(session);
    await this.deps.journal?.restore(this.list());
    return this.sessions.size;
  }

  /** The reaper, and the watchdog that ends sandboxes holding too many neighbour entries. */
  startReaper(intervalMs = 2000): void {
    this.reaper.start(intervalMs);
    this.neighbours.start(1000);
  }

  /** Ends idle, expired and dead sessions; warns once before an idle or lifetime end. */
  reap(now = Date.now()): Promise<void> {
    return this.reaper.reap(now);
  }

  /** Stops timers and closes terminals; sandboxes stay up for the next engine to adopt (or, unclaimed pool ones, destroy). */
  close(): void {
    this.reaper.stop();
    this.neighbours.stop();
    this.starts.stopPool();
    for (const session of this.sessions.list()) this.closeShells(session);
  }

  async destroyAll(): Promise<void> {
    this.close();
    await this.starts.settled();
    await Promise.all([...this.list().map((session) => this.destroy(session, 'ended')), this.starts.destroyPool()]);
  }

  /** Its terminals' shells and its check shell. */
  private closeShells(session: Session): void {
    this.terminals.closeAll(session);
    this.checkShells.close(session);
  }
}
