import { existsSync, readdirSync, readFileSync, statfsSync } from 'node:fs';
import path from 'node:path';
import type { Engine } from '../../sandbox-engine/src/app/create-engine.js';
import { instanceResources } from './docker-state.js';
import { TestLearner } from './test-learner.js';

const CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'systemd', 'unified'];

/** Loop devices whose backing file is one of this instance's sandbox disks (a clone deleted while still attached counts too). */
export function instanceLoopDevices(instance: string, dataDir: string): string[] {
  const clones = path.join(dataDir, 'store', 'sandboxes', `${instance}-`);
  const devices: string[] = [];
  for (const name of existsSync('/sys/block') ? readdirSync('/sys/block') : []) {
    if (!name.startsWith('loop')) continue;
    let backing = '';
    try {
      backing = readFileSync(`/sys/block/${name}/loop/backing_file`, 'utf8').trim();
    } catch {
      continue;
    }
    if (backing.startsWith(clones)) devices.push(`/dev/${name}`);
  }
  return devices;
}

/** Parent cgroups of this instance's sandboxes in every controller (not only memory). */
export function instanceCgroupsEverywhere(instance: string): number {
  let count = 0;
  for (const controller of CONTROLLERS) {
    const dir = path.join('/sys/fs/cgroup', controller, 'dockyard');
    if (existsSync(dir)) count += readdirSync(dir).filter((name) => name.includes(`-${instance}-`)).length;
  }
  return count;
}

/** Bytes in use on the XFS store (seeds and every engine's clones). */
export function storeUsedBytes(dataDir: string): number {
  const stats = statfsSync(path.join(dataDir, 'store'));
  return (stats.blocks - stats.bfree) * stats.bsize;
}

/** What an engine instance holds on the host: all zero once every sandbox is gone. */
export async function instanceFootprint(instance: string, dataDir: string) {
  const resources = await instanceResources(instance);
  return {
    ...resources,
    cgroups: Math.max(resources.cgroups, instanceCgroupsEverywhere(instance)),
    loopDevices: instanceLoopDevices(instance, dataDir).length,
  };
}
export type InstanceFootprint = Awaited<ReturnType<typeof instanceFootprint>>;

export interface CycleOptions {
  count: number;
  lesson: string;
  /** Cycles running side by side. */
  parallel?: number;
  /** Called after each cycle (for progress lines). */
  onCycle?: (done: number, failures: number, lastMs: number) => void;
  /** Once aborted no new cycle starts; those running finish, and the report counts what was done. */
  signal?: AbortSignal;
}

export interface CycleReport {
  /** Cycles done (fewer than asked when aborted). */
  cycles: number;
  failures: number;
  errors: string[];
  /** What the instance holds after the last cycle (every field 0 when nothing leaked). */
  after: InstanceFootprint;
  storeBaselineBytes: number;
  storeAfterBytes: number;
  medianCycleMs: number;
}

/**
 * Create/destroy cycles through the real engine, the way a learner does it: a session over HTTP, the
 * terminal over socket.io (its prompt, a command typed), "End sandbox". Then counts what is left of
 * the engine's instance on the host: containers, networks, volumes, mounts, loop devices, disk clones,
 * cgroups, and the store's usage against its baseline (taken after a first cycle, which may build the
 * lesson's seed).
 */
export async function runCycles(engine: Engine, url: string, instance: string, options: CycleOptions): Promise<CycleReport> {
  const dataDir = engine.config.DOCKYARD_DATA_DIR;
  const errors: string[] = [];
  const durations: number[] = [];
  const cycle = async (index: number) => {
    const started = Date.now();
    const learner = new TestLearner(url, options.lesson);
    try {
      const created = await learner.startSession();
      if (created.status !== 201) throw new Error(`session: HTTP ${created.status} ${JSON.stringify(created.body).slice(0, 200)}`);
      await learner.connect();
      await learner.attach(0);
      await learner.waitForOutput(/root@sandbox[^\n]*[#$] $/m, 60_000);
      learner.type(`docker info --format '{{.Driver}}' && echo "cycle-$((${index}+0))-done"\r`);
      await learner.waitForOutput(new RegExp(`overlay2[\\s\\S]*cycle-${index}-done`), 60_000);
    } catch (error) {
      errors.push(`cycle ${index}: ${(error as Error).message}`);
    } finally {
      learner.disconnect();
      const status = await learner.endSession().catch(() => 0);
      if (status !== 200 && learner.sessionId) errors.push(`cycle ${index}: ending the sandbox answered ${status}`);
    }
    durations.push(Date.now() - started);
  };

  await cycle(0);
  const storeBaselineBytes = storeUsedBytes(dataDir);
  let next = 1;
  const worker = async () => {
    while (next <= options.count && !options.signal?.aborted) {
      const index = next++;
      await cycle(index);
      options.onCycle?.(durations.length - 1, errors.length, durations.at(-1)!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.parallel ?? 1) }, worker));
  const sorted = durations.slice(1).sort((a, b) => a - b);
  return {
    cycles: durations.length - 1,
    failures: errors.length,
    errors: errors.slice(0, 20),
    after: await instanceFootprint(instance, dataDir),
    storeBaselineBytes,
    storeAfterBytes: storeUsedBytes(dataDir),
    medianCycleMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
  };
}
