import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { runCommand } from '../../sandbox-engine/src/process/run-command.js';
import { CgroupV1Delegation } from '../../sandbox-engine/src/isolation/cgroup-v1-delegation.js';
import { docker, sandboxDocker } from './docker-state.js';
import { labelKeys, labelFilter } from '../../sandbox-engine/src/contracts/docker-labels.js';

/**
 * Removes what test engines of an earlier, interrupted run left behind (their instance names start
 * with "test-"): sandbox and seed containers, networks, clone mounts and clone files, session journals.
 */
export async function sweepTestLeftovers(dataDir = process.env.DOCKYARD_DATA_DIR ?? '/var/lib/dockyard'): Promise<number> {
  let removed = 0;
  const isTest = (labels: Record<string, string> | undefined) => (labels?.[labelKeys.instance] ?? '').startsWith('test-');
  for (const daemon of [docker, sandboxDocker]) {
    const containers = await daemon.listContainers({ all: true, filters: { label: [labelFilter('managed', 'true')] } }).catch(() => []);
    for (const container of containers) {
      if (!isTest(container.Labels)) continue;
      await daemon.getContainer(container.Id).remove({ force: true, v: true }).catch(() => undefined);
      removed += 1;
    }
    for (const network of await daemon.listNetworks({ filters: { label: [labelFilter('managed', 'true')] } }).catch(() => [])) {
      if (isTest(network.Labels)) await daemon.getNetwork(network.Id).remove().catch(() => undefined);
    }
  }
  const delegation = new CgroupV1Delegation();
  for (const name of await delegation.parents()) {
    if (/^dockyard-(sbx|seed)-test-/.test(name)) {
      await delegation.release(name).catch(() => undefined);
      removed += 1;
    }
  }
  const mounts = (await readFile('/proc/mounts', 'utf8')).split('\n').map((line) => line.split(' ')[1] ?? '');
  for (const mount of mounts.filter((dir) => dir.startsWith(path.join(dataDir, 'mounts', 'test-')))) {
    await runCommand('umount', ['-l', mount]).catch(() => undefined);
    removed += 1;
  }
  const clones = path.join(dataDir, 'store', 'sandboxes');
  for (const file of await readdir(clones).catch(() => [] as string[])) {
    if (file.startsWith('test-')) await rm(path.join(clones, file), { force: true });
  }
  // Progress databases of test engines (SQLite, with their WAL and shared-memory files).
  for (const file of await readdir(dataDir).catch(() => [] as string[])) {
    if (/^progress-test-.*\.sqlite(-wal|-shm)?$/.test(file)) await rm(path.join(dataDir, file), { force: true });
  }
  // Session journals (scrollback, tab names) of test engines.
  const journals = path.join(dataDir, 'sessions');
  for (const dir of await readdir(journals).catch(() => [] as string[])) {
    if (dir.startsWith('test-')) await rm(path.join(journals, dir), { recursive: true, force: true });
  }
  // Claim records of their warm-pool sandboxes.
  const claims = path.join(dataDir, 'pool-claims');
  for (const file of await readdir(claims).catch(() => [] as string[])) {
    if (file.startsWith('test-')) await rm(path.join(claims, file), { force: true });
  }
  return removed;
}
