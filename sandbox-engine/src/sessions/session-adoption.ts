import type { Config } from '../config/config-schema.js';
import { labelKeys } from '../contracts/docker-labels.js';
import type { SandboxDriver } from '../drivers/sandbox-driver.js';
import type { Logger } from '../log/logger.js';
import type { PoolClaims } from './pool-claims.js';
import { instanceLabels, type CloneStore, type SandboxProvisioner } from './sandbox-provisioner.js';
import { Session } from './session.js';

export interface SessionAdoptionDeps {
  config: Config;
  driver: SandboxDriver;
  store: CloneStore;
  provisioner: SandboxProvisioner;
  claims: PoolClaims;
  lessonExists: (slug: string) => boolean;
  log: Logger;
}

/**
 * After a restart: the live sandboxes of this engine instance, rebuilt as sessions from their
 * labels (a warm-pool sandbox from its claim record: its labels name no learner); dead, expired or
 * unknown ones are removed, and so are pool sandboxes nobody claimed (never handed out again), stray
 * clones, claim records, networks and cgroups.
 */
export async function adoptSandboxes({ config, driver, store, provisioner, claims, lessonExists, log }: SessionAdoptionDeps, now = Date.now()): Promise<Session[]> {
  const adopted: Session[] = [];
  for (const found of await driver.list(instanceLabels(config))) {
    const labels = found.labels;
    const id = labels[labelKeys.session] ?? '';
    const lesson = labels[labelKeys.lesson] ?? '';
    const pooled = labels[labelKeys.pool] === 'true';
    const claim = pooled ? await claims.read(id) : undefined;
    const owner = pooled
      ? claim
      : { learnerHash: labels[labelKeys.learnerHash], clientAddress: labels[labelKeys.clientAddress], createdAt: Number(labels[labelKeys.createdAt]), expiresAt: Number(labels[labelKeys.expiresAt]) };
    if (!found.running || !owner?.learnerHash || !(owner.expiresAt > now) || !lessonExists(lesson)) {
      await provisioner.remove(found.name, id);
      log.info('session.discarded', { session: id, running: found.running, pool: pooled, claimed: claim !== undefined });
      continue;
    }
    // An engine that stopped while this one started may have left it on its start-up CPU, or before
    // its namespace and watch counts were set: never a learner's like that.
    const failure = await driver.applyRunningLimits(found.name, found.containerId).then(
      () => undefined,
      (error: Error) => error,
    );
    if (failure) {
      log.error('session.limits.failed', { session: id, error: failure });
      await provisioner.remove(found.name, id);
      continue;
    }
    const session = new Session(id, lesson, owner.learnerHash, found.containerId, found.name, owner.createdAt, owner.expiresAt);
    session.clientAddress = owner.clientAddress;
    adopted.push(session);
    log.info('session.adopted', { session: id, lesson, pool: pooled });
  }
  await claims.sweep(new Set(adopted.map((session) => session.id)));
  const kept = new Set(adopted.map((session) => provisioner.cloneId(session.id)));
  const prefix = `${config.DOCKYARD_INSTANCE}-`;
  for (const cloneId of await store.listClones()) {
    if (cloneId.startsWith(prefix) && !kept.has(cloneId)) await store.releaseClone(cloneId);
  }
  await driver.removeOrphanNetworks({ [labelKeys.managed]: 'true', [labelKeys.instance]: config.DOCKYARD_INSTANCE });
  await driver.removeOrphanCgroups(`dockyard-sbx-${config.DOCKYARD_INSTANCE}-`);
  return adopted;
}
