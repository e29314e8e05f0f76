import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import type { Lesson } from '../contracts/lesson.js';
import type { ShellStream } from '../drivers/sandbox-driver.js';
import { createLogger } from '../log/logger.js';
import { hashLearnerKey, newLearnerKey } from './learner-key.js';
import { PoolClaims } from './pool-claims.js';
import { handOverPoolSandbox, type PoolHandOverDeps } from './pool-hand-over.js';
import type { StartedSandbox } from './sandbox-provisioner.js';
import { Session } from './session.js';

const config = loadConfig({ MAX_LIFETIME_SECONDS: '3600' }, '/repo');
const lesson = { slug: 'a' } as Lesson;
const learnerHash = hashLearnerKey(newLearnerKey());

describe('handOverPoolSandbox', () => {
  let dir: string;
  let claims: PoolClaims;
  let removed: string[];
  const sandbox = (): StartedSandbox => ({
    id: '0123456789ab',
    lesson: 'a',
    containerId: 'c',
    containerName: 'dockyard-sbx-x',
    createdAt: 0,
    shell: { stream: new PassThrough() } as unknown as ShellStream,
  });
  const deps = (handOver: PoolHandOverDeps['provisioner']['handOver']): PoolHandOverDeps => ({
    config,
    claims,
    provisioner: { handOver, remove: async (name) => void removed.push(name) },
    log: createLogger('error', {}, () => undefined),
  });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pool-hand-over-'));
    claims = new PoolClaims({ dir, instance: 'inst' });
    removed = [];
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("records the learner's claim before the hand-over, their lifetime counting from now", async () => {
    const before = Date.now();
    let claimAtHandOver: unknown;
    const given = sandbox();
    const session = await handOverPoolSandbox(
      deps(async (started, _lesson, claim) => {
        claimAtHandOver = await claims.read(started.id);
        return new Session(started.id, 'a', claim.learnerHash, started.containerId, started.containerName, claim.createdAt, claim.expiresAt);
      }),
      given,
      lesson,
      { learnerHash, clientAddress: '10.0.0.1' },
    );
    expect(claimAtHandOver).toMatchObject({ learnerHash, clientAddress: '10.0.0.1' });
    expect(session?.createdAt).toBeGreaterThanOrEqual(before);
    expect(session!.expiresAt - session!.createdAt).toBe(3600 * 1000);
    expect(removed).toEqual([]);
    expect(given.shell?.stream.destroyed).toBe(false);
  });

  it('destroys a sandbox that does not take the hand-over, its claim and shell with it', async () => {
    const given = sandbox();
    const session = await handOverPoolSandbox(
      deps(async () => {
        throw new Error('the sandbox died in the pool');
      }),
      given,
      lesson,
      { learnerHash, clientAddress: undefined },
    );
    expect(session).toBeUndefined();
    expect(await claims.read(given.id)).toBeUndefined();
    expect(given.shell?.stream.destroyed).toBe(true);
    expect(removed).toEqual(['dockyard-sbx-x']);
  });
});
