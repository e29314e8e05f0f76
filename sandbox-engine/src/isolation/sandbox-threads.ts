import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * The sandbox container's own cgroup directory and its thread list file, from its first process's
 * `/proc/<pid>/cgroup`: the path up to the first part naming the container (runc names it after the
 * container's id, under the engine's parent). Not where the process is now: the sandbox's root
 * owns the cgroups below its own and may move its processes among them, never above.
 */
export function containerCgroup(cgroupText: string, containerId: string, cgroupRoot: string): { dir: string; tasksFile: string } {
  const lines = cgroupText.trim().split('\n');
  const v1 = lines.map((line) => /^\d+:([^:]*):(.*)$/.exec(line)).find((match) => match?.[1]?.split(',').includes('pids'));
  const v2 = lines.map((line) => /^0::(.*)$/.exec(line)).find(Boolean);
  const [base, tasksFile, cgroup] = v1?.[2] ? [path.join(cgroupRoot, 'pids'), 'tasks', v1[2]] : v2?.[1] ? [cgroupRoot, 'cgroup.threads', v2[1]] : [];
  if (!base || !tasksFile || !cgroup) throw new Error('the process is in no pids or unified cgroup');
  const parts = cgroup.split('/');
  const own = parts.findIndex((part) => containerId.length >= 12 && part.includes(containerId));
  if (own < 1) throw new Error(`the process is not in a cgroup of container ${containerId.slice(0, 12)}`);
  return { dir: path.join(base, parts.slice(0, own + 1).join('/')), tasksFile };
}

const MAX_CGROUPS = 100_000;

/** A sandbox with more cgroups than the walk reads. */
export class TooManyCgroupsError extends Error {
  override name = 'TooManyCgroupsError';
}

/**
 * The host's thread ids of a sandbox: those of its container's cgroup and every cgroup below (its
 * inner daemon's containers), which it cannot leave (the cgroups above are the host's).
 */
export async function sandboxThreads(initPid: number, containerId: string, options: { procRoot?: string; cgroupRoot?: string } = {}): Promise<number[]> {
  const cgroupText = await readFile(path.join(options.procRoot ?? '/proc', String(initPid), 'cgroup'), 'utf8');
  const { dir, tasksFile } = containerCgroup(cgroupText, containerId, options.cgroupRoot ?? '/sys/fs/cgroup');
  const threads = new Set<number>();
  const pending = [dir];
  for (let seen = 0; pending.length > 0; seen += 1) {
    // Cgroups are cheap to make: past this many, the walk could miss some (and a census must not).
    if (seen >= MAX_CGROUPS) throw new TooManyCgroupsError(`the sandbox has more than ${MAX_CGROUPS} cgroups`);
    const current = pending.pop() as string;
    const text = await readFile(path.join(current, tasksFile), 'utf8').catch(() => '');
    for (const tid of text.split('\n')) if (/^\d+$/.test(tid)) threads.add(Number(tid));
    const entries = await readdir(current, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) if (entry.isDirectory()) pending.push(path.join(current, entry.name));
  }
  return [...threads];
}
