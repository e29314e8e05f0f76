import path from 'node:path';
import type { Config } from '../config/config-schema.js';
import type { Lesson } from '../contracts/lesson.js';
import { WORKDIR } from '../contracts/workspace.js';
import { labelKeys } from '../contracts/docker-labels.js';
import type { SandboxDriver } from '../drivers/sandbox-driver.js';
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

/** Labels every sandbox of this engine instance carries: how a restarted engine finds its own. */
export function instanceLabels(config: Config): Record<string, string> {
  return { [labelKeys.managed]: 'true', [labelKeys.role]: 'sandbox', [labelKeys.instance]: config.DOCKYARD_INSTANCE };
}

/**
 * Makes and removes the sandboxes themselves: the disk (a clone of the lesson's seed), the
 * container with its inner Docker daemon, the lesson's starting files. Knows nothing of learners
 * beyond the labels it writes.
 */
export class SandboxProvisioner {
  constructor(private readonly deps: SandboxProvisionerDeps) {}

  cloneId(sessionId: string): string {
    return `${this.deps.config.DOCKYARD_INSTANCE}-${sessionId}`;
  }

  /** A running sandbox of the lesson, ready for a shell; nothing is left behind when it fails. */
  async provision(lesson: Lesson, learnerHash: string, clientAddress: string | undefined): Promise<Session> {
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
    const expiresAt = createdAt + config.MAX_LIFETIME_SECONDS * 1000;
    try {
      let mark = Date.now();
      const phases: Record<string, number> = {};
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
        labels: {
          ...instanceLabels(config),
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
      log.info('session.created', { session: id, lesson: lesson.slug, ms: Date.now() - started, ...phases });
      return session;
    } catch (error) {
      log.error('session.create.failed', { session: id, error });
      await this.remove(name, id);
      if (error instanceof SessionError) throw error;
      throw new SessionError('sandbox-failed', `Your sandbox could not start: ${(error as Error).message}`);
    }
  }

  /** Removes a sandbox's container (with its network and cgroups) and its disk; failures are logged. */
  async remove(containerName: string, sessionId: string): Promise<void> {
    await this.deps.driver.destroy(containerName).catch((error) => this.deps.log.error('session.destroy.failed', { session: sessionId, error }));
    await this.deps.store.releaseClone(this.cloneId(sessionId)).catch((error) => this.deps.log.error('session.release.failed', { session: sessionId, error }));
  }
}
