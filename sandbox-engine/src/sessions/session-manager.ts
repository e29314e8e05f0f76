import type { Config } from '../config/config-schema.js';
import type { Lesson } from '../contracts/lesson.js';
import type { SessionEnded, SessionExpiring } from '../contracts/socket-events.js';
import type { SandboxShell } from '../checkers/sandbox-shell.js';
import type { SandboxDriver } from '../drivers/sandbox-driver.js';
import type { Logger } from '../log/logger.js';
import type { SandboxDiskFacts } from '../store/sandbox-disk.js';
import type { SandboxTerminal } from '../terminal/sandbox-terminal.js';
import { hashLearnerKey, learnerHashOf, newLearnerKey, sameLearner } from './learner-key.js';
import { instanceLabels, SandboxProvisioner, type CloneStore, type SeedSource } from './sandbox-provisioner.js';
import type { Session } from './session.js';
import { adoptSandboxes } from './session-adoption.js';
import { SessionError } from './session-errors.js';
import type { SessionJournal } from './session-journal.js';
import { SessionReaper } from './session-reaper.js';
import { SessionTerminals } from './session-terminals.js';

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
 * and its events. The work is done by its parts: the provisioner (sandboxes), the terminals (tabs
 * and shells), the reaper (idle and lifetime ends) and adoption (after a restart).
 */
export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly listeners = new Set<(event: SessionEvent) => void>();
  private creating = 0;
  private readonly provisioner: SandboxProvisioner;
  private readonly terminals: SessionTerminals;
  private readonly reaper: SessionReaper;

  constructor(private readonly deps: SessionManagerDeps) {
    this.provisioner = new SandboxProvisioner(deps);
    this.terminals = new SessionTerminals(deps);
    this.reaper = new SessionReaper({
      sessions: () => this.list(),
      runningContainers: async () => {
        const listed = await deps.driver.list(instanceLabels(deps.config));
        return new Set(listed.filter((sandbox) => sandbox.running).map((sandbox) => sandbox.containerId));
      },
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

  /** Sandboxes running or starting: what counts against MAX_SANDBOXES. */
  get occupied(): number {
    return this.sessions.size + this.creating;
  }

  get capacity(): number {
    return this.deps.config.MAX_SANDBOXES;
  }

  /** Starts a sandbox of a lesson for a learner (by the hash of their key; tools get a fresh one). */
  async create(lessonSlug: string, learnerHash = hashLearnerKey(newLearnerKey()), clientAddress?: string): Promise<Session> {
    const lesson = this.deps.findLesson(lessonSlug);
    if (!lesson) throw new SessionError('unknown-lesson', `There is no lesson "${lessonSlug}".`);
    if (this.occupied >= this.capacity) {
      throw new SessionError(
        'capacity',
        `All ${this.capacity} sandboxes of this server are in use. One frees up when a learner finishes or goes idle: try again in a few minutes.`,
      );
    }
    this.creating += 1;
    try {
      const session = await this.provisioner.provision(lesson, learnerHash, clientAddress);
      this.sessions.set(session.id, session);
      return session;
    } finally {
      this.creating -= 1;
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

  /** Runs commands on the sandbox host, for step checkers. */
  shellFor(session: Session): SandboxShell {
    return {
      run: (command, options) => this.deps.driver.exec(session.containerId, ['bash', '-c', command], options),
    };
  }

  async destroy(session: Session, reason: SessionEnded['reason']): Promise<void> {
    if (session.ended) return;
    session.ended = true;
    this.sessions.delete(session.id);
    this.terminals.closeAll(session);
    this.emit({ type: 'ended', session, payload: { reason, message: endMessages[reason] } });
    await this.provisioner.remove(session.containerName, session.id);
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

  /** Stops timers and closes terminals; sandboxes stay up for the next engine to adopt. */
  close(): void {
    this.reaper.stop();
    for (const session of this.sessions.values()) this.terminals.closeAll(session);
  }

  async destroyAll(): Promise<void> {
    this.close();
    await Promise.all(this.list().map((session) => this.destroy(session, 'ended')));
  }
}
