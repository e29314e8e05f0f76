import type { Config } from '../config/config-schema.js';
import type { Lesson } from '../contracts/lesson.js';
import type { Logger } from '../log/logger.js';
import type { PoolClaims } from './pool-claims.js';
import type { SandboxProvisioner, StartedSandbox } from './sandbox-provisioner.js';
import type { Session } from './session.js';

export interface PoolHandOverDeps {
  config: Config;
  claims: Pick<PoolClaims, 'record' | 'remove'>;
  provisioner: Pick<SandboxProvisioner, 'handOver' | 'remove'>;
  log: Logger;
}

/**
 * A pool sandbox becomes this learner's: the claim is recorded first (a restarted engine adopts
 * it for them, and destroys pool sandboxes without one), then the starting files. Undefined, with
 * the sandbox destroyed, when it does not take them (it died in the pool).
 */
export async function handOverPoolSandbox(
  { config, claims, provisioner, log }: PoolHandOverDeps,
  sandbox: StartedSandbox,
  lesson: Lesson,
  learner: { learnerHash: string; clientAddress: string | undefined },
): Promise<Session | undefined> {
  const createdAt = Date.now();
  const claim = { ...learner, createdAt, expiresAt: createdAt + config.MAX_LIFETIME_SECONDS * 1000 };
  try {
    await claims.record(sandbox.id, claim);
    return await provisioner.handOver(sandbox, lesson, claim);
  } catch (error) {
    log.warn('pool.claim.failed', { session: sandbox.id, lesson: lesson.slug, error });
    sandbox.shell?.stream.destroy();
    await claims.remove(sandbox.id).catch(() => undefined);
    await provisioner.remove(sandbox.containerName, sandbox.id);
    return undefined;
  }
}
