import path from 'node:path';
import type { Config } from '../config/config-schema.js';
import type { Lesson } from '../contracts/lesson.js';
import { WORKDIR } from '../contracts/workspace.js';
import { labelKeys } from '../contracts/docker-labels.js';
import type { SandboxDriver, ShellStream } from '../drivers/sandbox-driver.js';
import type { Logger } from '../log/logger.js';
import { prepareSandboxDisk, type SandboxDiskFacts } from '../store/sandbox-disk.js';
import { starterFilesArchive } from '../workspace/starter-files.js';
import { newSessionId } from './learner-key.js';
import { Session } from './session.js';
import { SessionError } from './session-errors.js';

/** Where sandbox disks come from: reflink clones of a lesson's seed (the XFS store). */
export interface CloneStore {
  cloneSeed(seedFile: string, id: string): Promise<string>;
  releaseClone(id: string): Promise<void>;
  listClones(): Promise<string[]>;
}

/** The seed (a filesystem image with the lesson's images loaded) for a set of images. */
export interface SeedSource {
  seedFor(images: string[]): Promise<string>;
}

export interface SandboxProvisionerDeps {
  config: Config;
  driver: SandboxDriver;
  store: CloneStore;
  seeds: SeedSource;
  disk: SandboxDiskFacts;
  log: Logger;
}

/** Who a sandbox is started for: a learner (their labels from the start), or the warm pool (no learner yet). */
export type SandboxOwner = { kind: 'learner'; learnerHash: string; clientAddress?: string } | { kind: 'pool' };

/** A running sandbox of a lesson whose inner Docker daemon answers, not yet a learner's session. */
export interface StartedSandbox {
  id: string;
  lesson: string;
  containerId: string;
  containerName: string;
  createdAt: number;
  /** The main terminal's shell, opened while the inner daemon started; its output waits (paused) for the terminal. */
  shell: ShellStream | undefined;
}

/** Labels every sandbox of this engine instance carries: how a restarted engine finds its own. */
export function instanceLabels(config: Config): Record<string, string> {
  return { [labelKeys.managed]: 'true', [labelKeys.role]: 'sandbox', [labelKeys.instance]: config.DOCKYARD_INSTANCE };
}

/** The main terminal's size until a page says otherwise. */
const SHELL_SIZE = { cols: 80, rows: 24 };

/**
 * Makes and removes the sandboxes themselves: the disk (a clone of the lesson's seed), the
 * container with its inner Docker daemon and a shell waiting for the learner's terminal; then, for a
 * learner, the lesson's starting files. Knows nothing of learners beyond what it writes in labels.
 */
export class SandboxProvisioner {
  constructor(private readonly deps: SandboxProvisionerDeps) {}

  cloneId(sessionId: string): string {
    return `${this.deps.config.DOCKYARD_INSTANCE}-${sessionId}`;
  }

  /** A running sandbox of the lesson, ready for a learner; nothing is left behind when it fails. */
  async provision(lesson: Lesson, learnerHash: string, clientAddress: string | undefined): Promise<Session> {
    const started = await this.start(lesson, { kind: 'learner', learnerHash, clientAddress });
    // As its labels say, so that a restarted engine adopts it with the same deadline.
    const { createdAt } = started;
    const expiresAt = createdAt + this.deps.config.MAX_LIFETIME_SECONDS * 1000;
    try {
      return await this.handOver(started, lesson, { learnerHash, clientAddress, createdAt, expiresAt });
    } catch (error) {
      started.shell?.stream.destroy();
      await this.remove(started.containerName, started.id);
      throw new SessionError('sandbox-failed', `Your sandbox could not start: ${(error as Error).message}`);
    }
  }

  /**
   * Starts a sandbox of the lesson: clone, container, then the inner daemon's start and the main
   * shell's (bash, its completion scripts) side by side. Logs how long each part took.
   */
  async start(lesson: Lesson, owner: SandboxOwner): Promise<StartedSandbox> {
    const { config, driver, store, seeds, log } = this.deps;
    const started = Date.now();
    await driver.ping().catch(() => {
      throw new SessionError('docker-unavailable', 'The Docker Engine of this server is not answering, so no sandbox can start. Try again in a moment.');
    });
    const seed = await seeds.seedFor(lesson.images).catch((error: Error) => {
      log.error('seed.failed', { lesson: lesson.slug, error });
      throw new SessionError('sandbox-failed', `The images of this lesson are not ready on this server: ${error.message}`);
    });
    const id = newSessionId();
    const cloneId = this.cloneId(id);
    const name = `dockyard-sbx-${cloneId}`;
    const createdAt = Date.now();
    let shell: ShellStream | undefined;
    try {
      let mark = Date.now();
      const phases: Record<string, number> = { seedMs: mark - started };
      const phase = (key: string) => {
        phases[key] = Date.now() - mark;
        mark = Date.now();
      };
      const diskDir = await store.cloneSeed(seed, cloneId);
      await prepareSandboxDisk(diskDir, this.deps.disk);
      phase('cloneMs');
      const containerId = await driver.create({
        name,
        diskDir,
        env: [`DOCKYARD_REGISTRY_MIRROR=mirror.dockyard:${config.REGISTRY_PORT}`],
        labels: { ...instanceLabels(config), ...this.ownerLabels(id, lesson, owner, createdAt) },
      });
      phase('containerMs');
      // The shell needs only the container; the learner sees its prompt once the daemon answers too.
      const opening = driver.openShell(containerId, SHELL_SIZE).then(
        (opened) => {
          phases.shellMs = Date.now() - mark;
          return opened;
        },
        (error: Error) => {
          log.warn('sandbox.shell.early-failed', { session: id, error });
          return undefined;
        },
      );
      const ready = driver.waitReady(containerId, config.SANDBOX_READY_TIMEOUT_SECONDS * 1000);
      await ready.catch(async (error: Error) => {
        (await opening)?.stream.destroy();
        throw error;
      });
      phase('daemonMs');
      shell = await opening;
      log.info('sandbox.started', { session: id, lesson: lesson.slug, for: owner.kind, ms: Date.now() - started, ...phases });
      return { id, lesson: lesson.slug, containerId, containerName: name, createdAt, shell };
    } catch (error) {
      log.error('session.create.failed', { session: id, error });
      await this.remove(name, id);
      if (error instanceof SessionError) throw error;
      throw new SessionError('sandbox-failed', `Your sandbox could not start: ${(error as Error).message}`);
    }
  }

  private ownerLabels(id: string, lesson: Lesson, owner: SandboxOwner, createdAt: number): Record<string, string> {
    const { config } = this.deps;
    const common = {
      [labelKeys.session]: id,
      [labelKeys.lesson]: lesson.slug,
      [labelKeys.createdAt]: String(createdAt),
      [labelKeys.expiresAt]: String(createdAt + config.MAX_LIFETIME_SECONDS * 1000),
      [labelKeys.isolation]: config.SANDBOX_ISOLATION,
    };
    if (owner.kind === 'pool') return { ...common, [labelKeys.pool]: 'true' };
    return {
      ...common,
      [labelKeys.learnerHash]: owner.learnerHash,
      ...(owner.clientAddress ? { [labelKeys.clientAddress]: owner.clientAddress } : {}),
    };
  }

  /**
   * Makes a started sandbox a learner's session: the lesson's starting files (read now, so an edited
   * lesson is what the learner gets) and the shell opened for its main terminal. Throws, leaving the
   * sandbox for the caller to remove, when the sandbox does not take the files (it died meanwhile).
   */
  async handOver(
    sandbox: StartedSandbox,
    lesson: Lesson,
    claim: { learnerHash: string; clientAddress: string | undefined; createdAt: number; expiresAt: number },
  ): Promise<Session> {
    const starter = await starterFilesArchive(path.join(this.deps.config.LESSONS_DIR, lesson.slug, '_files'));
    if (starter) await this.deps.driver.putArchive(sandbox.containerId, WORKDIR, starter);
    const session = new Session(sandbox.id, lesson.slug, claim.learnerHash, sandbox.containerId, sandbox.containerName, claim.createdAt, claim.expiresAt);
    session.clientAddress = claim.clientAddress;
    session.warmShell = sandbox.shell;
    return session;
  }

  /** Removes a sandbox's container (with its network and cgroups) and its disk; failures are logged. */
  async remove(containerName: string, sessionId: string): Promise<void> {
    await this.deps.driver.destroy(containerName).catch((error) => this.deps.log.error('session.destroy.failed', { session: sessionId, error }));
    await this.deps.store.releaseClone(this.cloneId(sessionId)).catch((error) => this.deps.log.error('session.release.failed', { session: sessionId, error }));
  }
}
