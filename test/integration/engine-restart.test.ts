import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CgroupV1Delegation } from '../../sandbox-engine/src/isolation/cgroup-v1-delegation.js';
import { readHostUserNamespaceLimits, sandboxUserNamespaceLimits } from '../../sandbox-engine/src/isolation/user-namespace-limits.js';
import { instanceResources, requireDocker } from '../support/docker-state.js';
import { startTestEngine } from '../support/start-test-engine.js';
import { TestLearner } from '../support/test-learner.js';

const lesson = 'postgres-in-a-container';

describe('engine restart', () => {
  it('re-adopts a live sandbox: the same learner key reaches the same Docker host', async () => {
    await requireDocker();
    const first = await startTestEngine();
    const learner = new TestLearner(first.url, lesson);
    const created = await learner.startSession();
    expect(created.status).toBe(201);
    await learner.connect();
    await learner.attach(0);
    learner.type('docker run -d --name survivor postgres:15 sleep 600 && echo started-$((1+1))\r');
    await learner.waitForOutput(/started-2/, 60_000);
    learner.disconnect();
    await first.engine.close();

    await using second = await startTestEngine({ DOCKYARD_INSTANCE: first.instance });
    const again = new TestLearner(second.url, lesson);
    again.learnerKey = learner.learnerKey;
    const resumed = await again.startSession();
    expect(resumed.status).toBe(200);
    expect(resumed.body.data).toMatchObject({ sessionId: created.body.data!.sessionId, resumed: true });
    await again.connect();
    await again.attach(0);
    again.type('docker ps --format "name={{.Names}}"\r');
    await again.waitForOutput(/name=survivor/, 30_000);
    again.disconnect();
    await second.engine.sessions.destroyAll();
    expect(await instanceResources(first.instance)).toEqual({ containers: 0, networks: 0, volumes: 0, mounts: 0, cgroups: 0, clones: 0 });
  });

  it('an engine that stopped while a sandbox started leaves it on its start-up CPU or without its namespace limits: the next one sets them', async () => {
    await requireDocker();
    const first = await startTestEngine({ SANDBOX_START_CPUS: '2' });
    let firstClosed = false;
    try {
      const { SANDBOX_CPUS, MAX_SANDBOXES } = first.engine.config;
      const session = await first.engine.sessions.create(lesson);
      // As an engine that stopped mid-start leaves it: more CPU, and its counts still the host's.
      await new CgroupV1Delegation().setCpus(session.containerName, session.containerId, 2);
      const pid = await first.engine.driver.processId(session.containerId);
      execFileSync('nsenter', ['--target', String(pid), '--user', '--', 'sh', '-c', 'echo 100000 > /proc/sys/user/max_inotify_instances']);
      const parent = `/sys/fs/cgroup/cpu/dockyard/${session.containerName}`;
      expect(readFileSync(`${parent}/cpu.cfs_quota_us`, 'utf8').trim()).toBe('200000');
      await first.engine.close();
      firstClosed = true;

      // Disposed (its sandboxes destroyed) however this block ends.
      await using second = await startTestEngine({ DOCKYARD_INSTANCE: first.instance, SANDBOX_START_CPUS: '2' });
      const adopted = second.engine.sessions.get(session.id)!;
      expect(adopted).toBeDefined();
      const quota = String(SANDBOX_CPUS * 100_000);
      expect(readFileSync(`${parent}/cpu.cfs_quota_us`, 'utf8').trim()).toBe(quota);
      expect(readFileSync(`${parent}/${session.containerId}/cpu.cfs_quota_us`, 'utf8').trim()).toBe(quota);
      const share = sandboxUserNamespaceLimits(readHostUserNamespaceLimits(), MAX_SANDBOXES).max_inotify_instances;
      const inside = await second.engine.sessions.shellFor(adopted).run('cat /proc/sys/user/max_inotify_instances', { timeoutMs: 30_000, signal: AbortSignal.timeout(35_000) });
      expect(inside.stdout.trim()).toBe(String(share));
      await second.engine.sessions.destroyAll();
      expect(await instanceResources(first.instance)).toEqual({ containers: 0, networks: 0, volumes: 0, mounts: 0, cgroups: 0, clones: 0 });
    } finally {
      // A failure before the restart: the first engine removes its sandbox itself.
      if (!firstClosed) await first[Symbol.asyncDispose]();
    }
  });
});
