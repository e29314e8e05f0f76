import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CgroupV1Delegation } from './cgroup-v1-delegation.js';

const ROOT = '/sys/fs/cgroup';
const canMakeCgroups = CgroupV1Delegation.available(ROOT) && existsSync(path.join(ROOT, 'cpu', 'cpu.cfs_quota_us')) && process.getuid?.() === 0;
const limits = { memoryBytes: 256 * 1024 * 1024, pids: 100, cpus: 1 };

describe.skipIf(!canMakeCgroups)('CgroupV1Delegation on the host\'s real cgroup v1 hierarchies', () => {
  const prefix = `dockyard-unit-${randomBytes(3).toString('hex')}`;
  const delegation = new CgroupV1Delegation(ROOT, prefix);
  const name = 'sbx';
  const containerId = randomBytes(32).toString('hex');
  const quota = (...parts: string[]) => Number(readFileSync(path.join(ROOT, 'cpu', prefix, ...parts, 'cpu.cfs_quota_us'), 'utf8'));

  afterEach(async () => {
    const grandchild = path.join(ROOT, 'cpu', prefix, name, containerId, 'inner');
    if (existsSync(grandchild)) rmdirSync(grandchild);
    await delegation.release(name);
    for (const controller of ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'systemd', 'unified']) {
      const dir = path.join(ROOT, controller, prefix);
      if (existsSync(dir)) rmdirSync(dir);
    }
  });

  const sandbox = async () => {
    await delegation.prepareParent(name, limits);
    await delegation.delegate(name, containerId, { uid: 0, gid: 0 });
    // As runc does from NanoCpus at the container's start.
    writeFileSync(path.join(ROOT, 'cpu', prefix, name, containerId, 'cpu.cfs_quota_us'), '100000');
  };

  it('raises a sandbox\'s CPU for its start and cuts it back, on the parent and the container\'s own cgroup', async () => {
    await sandbox();
    expect([quota(name), quota(name, containerId)]).toEqual([100_000, 100_000]);
    // Raising writes the parent first: the kernel refuses a child above its parent.
    await delegation.setCpus(name, containerId, 2);
    expect([quota(name), quota(name, containerId)]).toEqual([200_000, 200_000]);
    // Cutting writes the child first, for the same reason.
    await delegation.setCpus(name, containerId, 1);
    expect([quota(name), quota(name, containerId)]).toEqual([100_000, 100_000]);
  });

  it('fails, rather than leave the sandbox on more CPU, when the cut cannot be made', async () => {
    await sandbox();
    await delegation.setCpus(name, containerId, 2);
    // Something below the container's cgroup asks for more than the cut would leave it.
    const inner = path.join(ROOT, 'cpu', prefix, name, containerId, 'inner');
    mkdirSync(inner);
    writeFileSync(path.join(inner, 'cpu.cfs_quota_us'), '150000');
    await expect(delegation.setCpus(name, containerId, 1)).rejects.toThrow();
  });
});
