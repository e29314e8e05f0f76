import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

/** The cgroup directory and its thread list file that hold a process, from `/proc/<pid>/cgroup`. */
export function cgroupOfProcess(cgroupText: string, cgroupRoot: string): { dir: string; tasksFile: string } {
  const lines = cgroupText.trim().split('\n');
  const v1 = lines.map((line) => /^\d+:([^:]*):(.*)$/.exec(line)).find((match) => match?.[1]?.split(',').includes('pids'));
  const found = v1?.[2] ? { dir: path.join(cgroupRoot, 'pids', v1[2]), tasksFile: 'tasks', cgroup: v1[2] } : undefined;
  const v2 = lines.map((line) => /^0::(.*)$/.exec(line)).find(Boolean);
  const unified = !found && v2?.[1] ? { dir: path.join(cgroupRoot, v2[1]), tasksFile: 'cgroup.threads', cgroup: v2[1] } : undefined;
  const chosen = found ?? unified;
  if (!chosen) throw new Error('the process is in no pids or unified cgroup');
  // The root cgroup holds the whole host: a sandbox is never there.
  if (chosen.cgroup === '/') throw new Error("the process is in the root cgroup, not a sandbox's");
  return { dir: chosen.dir, tasksFile: chosen.tasksFile };
}

/**
 * The host's thread ids of a sandbox: those of its first process's cgroup and every cgroup below
 * (its inner daemon's containers), which it cannot leave (the cgroups above are the host's).
 */
export async function sandboxThreads(initPid: number, options: { procRoot?: string; cgroupRoot?: string } = {}): Promise<number[]> {
  const cgroupText = await readFile(path.join(options.procRoot ?? '/proc', String(initPid), 'cgroup'), 'utf8');
  const { dir, tasksFile } = cgroupOfProcess(cgroupText, options.cgroupRoot ?? '/sys/fs/cgroup');
  const threads = new Set<number>();
  const pending = [dir];
  for (let seen = 0; pending.length > 0 && seen < 100_000; seen += 1) {
    const current = pending.pop() as string;
    const text = await readFile(path.join(current, tasksFile), 'utf8').catch(() => '');
    for (const tid of text.split('\n')) if (/^\d+$/.test(tid)) threads.add(Number(tid));
    const entries = await readdir(current, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) if (entry.isDirectory()) pending.push(path.join(current, entry.name));
  }
  return [...threads];
}
