import path from 'node:path';
import type { Config } from '../config/config-schema.js';
import { WORKDIR } from '../contracts/workspace.js';
import { starterFilesArchive } from '../workspace/starter-files.js';
import type { Lesson } from '../contracts/lesson.js';
import type { SessionEnded, SessionExpiring } from '../contracts/socket-events.js';
import type { SandboxShell } from '../checkers/sandbox-shell.js';
import { labelKeys } from '../drivers/sandbox-hardening.js';
import type { SandboxDriver } from '../drivers/sandbox-driver.js';
import type { Logger } from '../log/logger.js';
import { prepareSandboxDisk, type SandboxDiskFacts } from '../store/sandbox-disk.js';
import type { SeedBuilder } from '../store/seed-builder.js';
import type { XfsStore } from '../store/xfs-store.js';
import { SandboxTerminal } from '../terminal/sandbox-terminal.js';
import { Session } from './session.js';
import type { SessionJournal } from './session-journal.js';
import { SessionError } from './session-errors.js';
import { hashLearnerKey, learnerHashOf, newLearnerKey, newSessionId, sameLearner } from './learner-key.js';

export type SessionEvent =
  | { type: 'expiring'; session: Session; payload: SessionExpiring }
  | { type: 'ended'; session: Session; payload: SessionEnded };

export interface SessionManagerDeps {
  config: Config;
  driver: SandboxDriver;
  store: XfsStore;
  seeds: SeedBuilder;
  disk: SandboxDiskFacts;
  findLesson: (slug: string) => Lesson | undefined;
  log: Logger;
  /** Keeps scrollback, tab names and passed steps across an engine restart (tools run without). */
  journal?: SessionJournal;
}

const MAX_TERMINALS = 6;

const endMessages: Record<SessionEnded['reason'], string> = {
  idle: 'Your sandbox was stopped after a period without activity. Everything in it is gone.',
  lifetime: 'Your sandbox reached its maximum lifetime and was stopped. Everything in it is gone.',
  ended: 'This sandbox was ended.',
  moved: 'You started another lesson, so this sandbox was ended: a learner holds one sandbox at a time.',
  'sandbox-died': 'Your sandbox stopped unexpectedly (it may have run out of memory). Everything in it is gone.',
};

/** Creates, finds, keeps alive and ends learners' sandboxes; re-adopts live ones after a restart. */
export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly listeners = new Set<(event: SessionEvent) => void>();
  private creating = 0;
  private reaper: NodeJS.Timeout | undefined;
  private reaping = false;

  constructor(private readonly deps: SessionManagerDeps) {}

  get settings() {
    return {
      idleTimeoutMs: this.deps.config.IDLE_TIMEOUT_SECONDS * 1000,
      warnBeforeMs: this.deps.config.WARN_BEFORE_SECONDS * 1000,
    };
  }

  private get instanceLabels() {
    return { [labelKeys.managed]: 'true', [labelKeys.role]: 'sandbox', [labelKeys.instance]: this.deps.config.DOCKYARD_INSTANCE };
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

  /** Sandboxes running or starting: what counts against MAX_SANDBOXES. */
  get occupied(): number {
    return this.sessions.size + this.creating;
  }

  get capacity(): number {
    return this.deps.config.MAX_SANDBOXES;
  }

  /** Starts a sandbox of a lesson for a learner (by the hash of their key; tools get a fresh one). */
  async create(lessonSlug: string, learnerHash = hashLearnerKey(newLearnerKey()), clientAddress?: string): Promise<Session> {
    const { config, driver, store, seeds, log } = this.deps;
    const lesson = this.deps.findLesson(lessonSlug);
    if (!lesson) throw new SessionError('unknown-lesson', `There is no lesson "${lessonSlug}".`);
    if (this.sessions.size + this.creating >= config.MAX_SANDBOXES) {
      throw new SessionError(
        'capacity',
        `All ${config.MAX_SANDBOXES} sandboxes of this server are in use. One frees up when a learner finishes or goes idle: try again in a few minutes.`,
      );
    }
    this.creating += 1;
    const started = Date.now();
    try {
      await driver.ping().catch(() => {
        throw new SessionError('docker-unavailable', 'The Docker Engine of this server is not answering, so no sandbox can start. Try again in a moment.');
      });
      const seed = await seeds.seedFor(lesson.images).catch((error: Error) => {
        log.error('seed.failed', { lesson: lesson.slug, error });
        throw new SessionError('sandbox-failed', `The images of this lesson are not ready on this server: ${error.message}`);
      });
      const id = newSessionId();
      const cloneId = `${config.DOCKYARD_INSTANCE}-${id}`;
      const name = `dockyard-sbx-${cloneId}`;
      const createdAt = Date.now();
      const expiresAt = createdAt + config.MAX_LIFETIME_SECONDS * 1000;
      try {
        let mark = Date.now();
        const phases: Record<string, number> = {};
        const phase = (name: string) => {
          phases[name] = Date.now() - mark;
          mark = Date.now();
        };
        const diskDir = await store.cloneSeed(seed, cloneId);
        await prepareSandboxDisk(diskDir, this.deps.disk);
        phase('cloneMs');
        const containerId = await driver.create({
          name,
          diskDir,
          env: [`DOCKYARD_REGISTRY_MIRROR=mirror.dockyard:${config.REGISTRY_PORT}`],
          labels: {
            ...this.instanceLabels,
            [labelKeys.session]: id,
            [labelKeys.lesson]: lesson.slug,
            [labelKeys.learnerHash]: learnerHash,
            ...(clientAddress ? { [labelKeys.clientAddress]: clientAddress } : {}),
            [labelKeys.createdAt]: String(createdAt),
            [labelKeys.expiresAt]: String(expiresAt),
            [labelKeys.isolation]: config.SANDBOX_ISOLATION,
          },
        });
        phase('containerMs');
        await driver.waitReady(containerId, config.SANDBOX_READY_TIMEOUT_SECONDS * 1000);
        phase('daemonMs');
        const starter = await starterFilesArchive(path.join(config.LESSONS_DIR, lesson.slug, '_files'));
        if (starter) await driver.putArchive(containerId, WORKDIR, starter);
        const session = new Session(id, lesson.slug, learnerHash, containerId, name, createdAt, expiresAt);
        session.clientAddress = clientAddress;
        this.sessions.set(id, session);
        log.info('session.created', { session: id, lesson: lesson.slug, ms: Date.now() - started, ...phases });
        return session;
      } catch (error) {
        log.error('session.create.failed', { session: id, error });
        await driver.destroy(name).catch(() => undefined);
        await store.releaseClone(cloneId).catch(() => undefined);
        if (error instanceof SessionError) throw error;
        throw new SessionError('sandbox-failed', `Your sandbox could not start: ${(error as Error).message}`);
      }
    } finally {
      this.creating -= 1;
    }
  }

  /** The live session of this lesson that a learner's key opens, or undefined. */
  authenticate(lesson: string, learnerKey: unknown): Session | undefined {
    const learnerHash = learnerHashOf(learnerKey);
    if (!learnerHash) return undefined;
    const session = this.forLearner(learnerHash);
    return session && session.lesson === lesson ? session : undefined;
  }

  /** The learner did something: the idle clock starts again. */
  touch(session: Session): void {
    session.lastActivity = Date.now();
  }

  /** Adds a terminal tab; its shell starts when a page attaches to it. */
  openTerminal(session: Session, name?: string): { terminalId: string; name: string } {
    if (session.terminalNames.size >= MAX_TERMINALS) {
      throw new SessionError('bad-request', `A sandbox can have ${MAX_TERMINALS} terminals at most: close one first.`);
    }
    let number = 2;
    while (session.terminalNames.has(`t${number}`)) number += 1;
    const terminalId = `t${number}`;
    // The default name follows the id ("t3" is "Terminal 3"), so names never repeat.
    const label = name ?? `Terminal ${number}`;
    session.terminalNames.set(terminalId, label);
    return { terminalId, name: label };
  }

  renameTerminal(session: Session, terminalId: string, name: string): void {
    if (!session.terminalNames.has(terminalId)) throw new SessionError('bad-request', `There is no terminal ${terminalId}.`);
    session.terminalNames.set(terminalId, name);
  }

  closeTerminal(session: Session, terminalId: string): void {
    if (terminalId === 'main') throw new SessionError('bad-request', 'The first terminal cannot be closed.');
    if (!session.terminalNames.delete(terminalId)) throw new SessionError('bad-request', `There is no terminal ${terminalId}.`);
    session.terminals.get(terminalId)?.close();
    session.terminals.delete(terminalId);
  }

  /** The session whose port previews this token opens. */
  byPreviewToken(token: string): Session | undefined {
    return this.list().find((session) => session.previewToken === token && !session.ended);
  }

  /** The session whose port previews this host-name label opens. */
  byPreviewHost(label: string): Session | undefined {
    return this.list().find((session) => session.previewHost === label && !session.ended);
  }

  /** The session's terminal with this id, its shell started on first use (`since`: the output the attaching page holds). */
  async terminal(session: Session, terminalId: string, size: { cols: number; rows: number; since?: number }): Promise<SandboxTerminal> {
    const existing = session.terminals.get(terminalId);
    if (existing) return existing;
    if (!session.terminalNames.has(terminalId)) throw new SessionError('bad-request', `There is no terminal ${terminalId}: open one with terminal:open.`);
    const terminal = new SandboxTerminal(
      terminalId,
      (shellSize) => this.deps.driver.openShell(session.containerId, shellSize),
      this.deps.config.SCROLLBACK_CHARS,
      this.deps.log.child({ session: session.id }),
      this.deps.journal?.terminal(session, terminalId, size.since),
    );
    session.terminals.set(terminalId, terminal);
    try {
      await terminal.start(size);
    } catch (error) {
      session.terminals.delete(terminalId);
      throw error;
    }
    return terminal;
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
    for (const terminal of session.terminals.values()) terminal.close();
    this.emit({ type: 'ended', session, payload: { reason, message: endMessages[reason] } });
    await this.deps.driver.destroy(session.containerName).catch((error) => this.deps.log.error('session.destroy.failed', { session: session.id, error }));
    await this.deps.store
      .releaseClone(`${this.deps.config.DOCKYARD_INSTANCE}-${session.id}`)
      .catch((error) => this.deps.log.error('session.release.failed', { session: session.id, error }));
    await this.deps.journal?.remove(session.id).catch((error) => this.deps.log.error('session.journal.remove.failed', { session: session.id, error }));
    this.deps.log.info('session.ended', { session: session.id, reason });
  }

  /** After a restart: takes back live sandboxes of this instance, removes dead ones and stray clones. */
  async adopt(): Promise<number> {
    const { driver, store, config, log } = this.deps;
    const now = Date.now();
    for (const found of await driver.list(this.instanceLabels)) {
      const labels = found.labels;
      const id = labels[labelKeys.session] ?? '';
      const expiresAt = Number(labels[labelKeys.expiresAt]);
      const lesson = labels[labelKeys.lesson] ?? '';
      if (!found.running || !(expiresAt > now) || !this.deps.findLesson(lesson) || !labels[labelKeys.learnerHash]) {
        await driver.destroy(found.name).catch(() => undefined);
        await store.releaseClone(`${config.DOCKYARD_INSTANCE}-${id}`).catch(() => undefined);
        log.info('session.discarded', { session: id, running: found.running });
        continue;
      }
      const session = new Session(id, lesson, labels[labelKeys.learnerHash]!, found.containerId, found.name, Number(labels[labelKeys.createdAt]), expiresAt);
      session.clientAddress = labels[labelKeys.clientAddress];
      this.sessions.set(id, session);
      log.info('session.adopted', { session: id, lesson });
    }
    const prefix = `${config.DOCKYARD_INSTANCE}-`;
    for (const cloneId of await store.listClones()) {
      if (cloneId.startsWith(prefix) && !this.sessions.has(cloneId.slice(prefix.length))) await store.releaseClone(cloneId);
    }
    await driver.removeOrphanNetworks({ [labelKeys.managed]: 'true', [labelKeys.instance]: config.DOCKYARD_INSTANCE });
    await driver.removeOrphanCgroups(`dockyard-sbx-${config.DOCKYARD_INSTANCE}-`);
    await this.deps.journal?.restore(this.list());
    return this.sessions.size;
  }

  startReaper(intervalMs = 2000): void {
    this.reaper ??= setInterval(() => void this.reap(), intervalMs);
    this.reaper.unref();
  }

  /** Ends idle, expired and dead sessions; warns once before an idle or lifetime end. */
  async reap(now = Date.now()): Promise<void> {
    if (this.reaping) return;
    this.reaping = true;
    try {
      const { idleTimeoutMs, warnBeforeMs } = this.settings;
      // When Docker does not answer, nothing is known to be dead: only the clocks are applied.
      const listed = await this.deps.driver.list(this.instanceLabels).catch(() => undefined);
      const running = listed && new Set(listed.filter((s) => s.running).map((s) => s.containerId));
      for (const session of this.list()) {
        if (running && !running.has(session.containerId)) {
          await this.destroy(session, 'sandbox-died');
          continue;
        }
        const deadline = session.idleExpiresAt(idleTimeoutMs);
        const reason = deadline >= session.expiresAt ? 'lifetime' : 'idle';
        if (now >= deadline) await this.destroy(session, reason);
        else if (deadline - now <= warnBeforeMs && session.warnedFor !== deadline) {
          session.warnedFor = deadline;
          this.emit({ type: 'expiring', session, payload: { reason, at: new Date(deadline).toISOString() } });
        }
      }
    } finally {
      this.reaping = false;
    }
  }

  /** Stops timers and closes terminals; sandboxes stay up for the next engine to adopt. */
  close(): void {
    clearInterval(this.reaper);
    this.reaper = undefined;
    for (const session of this.sessions.values()) for (const terminal of session.terminals.values()) terminal.close();
  }

  async destroyAll(): Promise<void> {
    this.close();
    await Promise.all(this.list().map((session) => this.destroy(session, 'ended')));
  }
}
