import type { Config } from '../config/config-schema.js';
import { labelKeys } from '../contracts/docker-labels.js';
import type { SandboxDriver } from '../drivers/sandbox-driver.js';
import type { Logger } from '../log/logger.js';
import { instanceLabels, type CloneStore, type SandboxProvisioner } from './sandbox-provisioner.js';
import { Session } from './session.js';

export interface SessionAdoptionDeps {
  config: Config;
  driver: SandboxDriver;
  store: CloneStore;
  provisioner: SandboxProvisioner;
  lessonExists: (slug: string) => boolean;
  log: Logger;
}

/**
 * After a restart: the live sandboxes of this engine instance, rebuilt as sessions from their
 * labels; dead, expired or unknown ones are removed, and so are stray clones, networks and cgroups.
 */
export async function adoptSandboxes({ config, driver, store, provisioner, lessonExists, log }: SessionAdoptionDeps, now = Date.now()): Promise<Session[]> {
  const adopted: Session[] = [];
  for (const found of await driver.list(instanceLabels(config))) {
    const labels = found.labels;
    const id = labels[labelKeys.session] ?? '';
    const expiresAt = Number(labels[labelKeys.expiresAt]);
    const lesson = labels[labelKeys.lesson] ?? '';
    const learnerHash = labels[labelKeys.learnerHash];
    if (!found.running || !(expiresAt > now) || !lessonExists(lesson) || !learnerHash) {
      await provisioner.remove(found.name, id);
      log.info('session.discarded', { session: id, running: found.running });
      continue;
    }
    const session = new Session(id, lesson, learnerHash, found.containerId, found.name, Number(labels[labelKeys.createdAt]), expiresAt);
    session.clientAddress = labels[labelKeys.clientAddress];
    adopted.push(session);
    log.info('session.adopted', { session: id, lesson });
  }
  const kept = new Set(adopted.map((session) => provisioner.cloneId(session.id)));
  const prefix = `${config.DOCKYARD_INSTANCE}-`;
  for (const cloneId of await store.listClones()) {
    if (cloneId.startsWith(prefix) && !kept.has(cloneId)) await store.releaseClone(cloneId);
  }
  await driver.removeOrphanNetworks({ [labelKeys.managed]: 'true', [labelKeys.instance]: config.DOCKYARD_INSTANCE });
  await driver.removeOrphanCgroups(`dockyard-sbx-${config.DOCKYARD_INSTANCE}-`);
  return adopted;
}
