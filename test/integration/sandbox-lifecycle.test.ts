import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../sandbox-engine/src/config/load-config.js';
import { CgroupV1Delegation } from '../../sandbox-engine/src/isolation/cgroup-v1-delegation.js';
import { allVolumeNames, instanceResources, requireDocker } from '../support/docker-state.js';
import { startTestEngine, type TestEngine } from '../support/start-test-engine.js';
import { TestLearner } from '../support/test-learner.js';

const lesson = 'postgres-in-a-container';

describe('sandbox lifecycle on the real Docker Engine', () => {
  let test: TestEngine;
  beforeAll(async () => {
    await requireDocker();
    test = await startTestEngine({ MAX_SANDBOXES: '3', SANDBOX_START_CPUS: '2' });
  });
  afterAll(async () => test && (await test[Symbol.asyncDispose]()));

  it('creates a sandbox with its own daemon and limits, and destroying it leaves nothing behind', async () => {
    const volumesBefore = await allVolumeNames();
    const session = await test.engine.sessions.create(lesson);
    const shell = test.engine.sessions.shellFor(session);
    const run = (command: string) => shell.run(command, { timeoutMs: 60_000, signal: AbortSignal.timeout(65_000) });

    expect((await run('docker info --format "{{.Driver}} {{.ServerVersion}}"')).stdout).toMatch(/overlay2/);
    // The lesson's images are preloaded from the seed: no pull needed.
    expect((await run('docker image inspect postgres:15 --format ok')).stdout.trim()).toBe('ok');
    // A nested container runs, and its files live on the sandbox's own XFS disk.
    expect((await run('docker run --rm postgres:15 echo nested-ok')).stdout).toContain('nested-ok');
    expect((await run('df -T /var/lib/docker | tail -1')).stdout).toMatch(/xfs/);
    const limits = await run('cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max');
    expect(Number(limits.stdout.trim())).toBe(test.engine.config.SANDBOX_MEMORY_MB * 1024 * 1024);

    expect((await instanceResources(test.instance)).containers).toBe(1);
    await test.engine.sessions.destroy(session, 'ended');
    expect(await instanceResources(test.instance)).toEqual({ containers: 0, networks: 0, volumes: 0, mounts: 0, cgroups: 0, clones: 0 });
    const volumesAfter = await allVolumeNames();
    expect([...volumesAfter].filter((name) => !volumesBefore.has(name))).toEqual([]);
  });

  it.skipIf(!CgroupV1Delegation.available() || loadConfig(process.env).SANDBOX_ISOLATION !== 'userns')('starts a sandbox on more CPU, and hands it over on its own limit (on the host and as the learner reads it)', async () => {
    const { SANDBOX_CPUS, SANDBOX_START_CPUS } = test.engine.config;
    expect(SANDBOX_START_CPUS).toBeGreaterThan(SANDBOX_CPUS);
    // The host-owned parent cgroups of this engine's sandboxes, read every 10 ms while one starts.
    const parents = `/sys/fs/cgroup/cpu/dockyard`;
    const mine = () => readdirSync(parents).filter((name) => name.startsWith(`dockyard-sbx-${test.instance}-`));
    const seen = new Set<number>();
    const watching = setInterval(() => {
      try {
        for (const name of mine()) seen.add(Number(readFileSync(path.join(parents, name, 'cpu.cfs_quota_us'), 'utf8')));
      } catch {
        // Not made yet, or removed meanwhile.
      }
    }, 10);
    const session = await test.engine.sessions.create(lesson).finally(() => clearInterval(watching));
    expect([...seen]).toContain(SANDBOX_START_CPUS * 100_000);
    const parent = path.join(parents, session.containerName);
    expect(readFileSync(path.join(parent, 'cpu.cfs_quota_us'), 'utf8').trim()).toBe(String(SANDBOX_CPUS * 100_000));
    expect(readFileSync(path.join(parent, session.containerId, 'cpu.cfs_quota_us'), 'utf8').trim()).toBe(String(SANDBOX_CPUS * 100_000));
    const inside = await test.engine.sessions.shellFor(session).run('cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us', { timeoutMs: 30_000, signal: AbortSignal.timeout(35_000) });
    expect(inside.stdout.trim()).toBe(String(SANDBOX_CPUS * 100_000));
    await test.engine.sessions.destroy(session, 'ended');
  });

  it('keeps two sandboxes apart: neither sees the other\'s containers', async () => {
    const a = await test.engine.sessions.create(lesson);
    const b = await test.engine.sessions.create(lesson);
    const run = (session: typeof a, command: string) =>
      test.engine.sessions.shellFor(session).run(command, { timeoutMs: 60_000, signal: AbortSignal.timeout(65_000) });
    expect((await run(a, 'docker run -d --name only-in-a postgres:15 sleep 300')).exitCode).toBe(0);
    expect((await run(a, 'docker ps --format "{{.Names}}"')).stdout).toContain('only-in-a');
    expect((await run(b, 'docker ps -a --format "{{.Names}}"')).stdout).not.toContain('only-in-a');
    expect((await run(b, 'docker inspect only-in-a')).exitCode).not.toBe(0);
    // A file written in one sandbox's disk is not in the other's.
    await run(a, 'echo secret > /var/lib/docker/mark-a');
    expect((await run(b, 'test -e /var/lib/docker/mark-a')).exitCode).not.toBe(0);
    await test.engine.sessions.destroy(a, 'ended');
    await test.engine.sessions.destroy(b, 'ended');
    expect((await instanceResources(test.instance)).containers).toBe(0);
  });

  it('refuses a sandbox beyond the configured maximum with a capacity error', async () => {
    await using small = await startTestEngine({ MAX_SANDBOXES: '1' });
    await small.engine.sessions.create(lesson);
    await expect(small.engine.sessions.create(lesson)).rejects.toMatchObject({ code: 'capacity' });
    // A learner asking through the API is not turned away: they get a place in the waiting line.
    const waiting = await new TestLearner(small.url, lesson).startSession();
    expect(waiting.status).toBe(202);
    expect(waiting.body).toMatchObject({ queued: { position: 1, capacity: 1 } });
  });
});
