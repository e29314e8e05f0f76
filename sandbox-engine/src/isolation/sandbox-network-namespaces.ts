import { execFile } from 'node:child_process';
import { readFile, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';

export interface SandboxNetworkNamespaces {
  /** Network namespace inode → paths that enter it from the host (a few: one may go before it is used). */
  namespaces: Map<number, string[]>;
  /** Threads looked at. */
  tasks: number;
}

export interface NamespaceScanOptions {
  procRoot?: string;
  cgroupRoot?: string;
  timeoutMs?: number;
}

const PATHS_PER_NAMESPACE = 4;

/** The cgroup directory and its thread list file that hold a process, from `/proc/<pid>/cgroup`. */
export function cgroupOfProcess(cgroupText: string, cgroupRoot: string): { dir: string; tasksFile: string } {
  const lines = cgroupText.trim().split('\n');
  const v1 = lines.map((line) => /^\d+:([^:]*):(.*)$/.exec(line)).find((match) => match?.[1]?.split(',').includes('pids'));
  if (v1?.[2]) return { dir: path.join(cgroupRoot, 'pids', v1[2]), tasksFile: 'tasks' };
  const v2 = lines.map((line) => /^0::(.*)$/.exec(line)).find(Boolean);
  if (v2?.[1]) return { dir: path.join(cgroupRoot, v2[1]), tasksFile: 'cgroup.threads' };
  throw new Error('the process is in no pids or unified cgroup');
}

/** `net:[4026532186]` → 4026532186; anything else undefined. */
export function networkNamespaceInode(link: string): number | undefined {
  const match = /^net:\[(\d+)\]$/.exec(link);
  return match ? Number(match[1]) : undefined;
}

/** Mount points of network namespace files (`ip netns add` makes one) in a `/proc/<pid>/mountinfo`. */
export function networkNamespaceMounts(mountinfo: string): { inode: number; mountPoint: string }[] {
  const mounts: { inode: number; mountPoint: string }[] = [];
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    if (!before || !after?.startsWith('nsfs ')) continue;
    const fields = before.split(' ');
    const inode = networkNamespaceInode(fields[3] ?? '');
    const mountPoint = fields[4]?.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
    if (inode !== undefined && mountPoint) mounts.push({ inode, mountPoint });
  }
  return mounts;
}

/**
 * Descriptors of these threads that are network namespaces, as `path\tnet:[inode]` lines: `find`
 * reads millions of descriptor links in seconds, where one readlink at a time would take minutes.
 * Threads that end meanwhile make find exit 1; what it printed still counts.
 */
function namespaceDescriptors(taskDirs: string[], timeoutMs: number): Promise<{ path: string; inode: number }[]> {
  if (taskDirs.length === 0) return Promise.resolve([]);
  const args = [...taskDirs.map((dir) => path.join(dir, 'fd')), '-mindepth', '1', '-maxdepth', '1', '-lname', 'net:*', '-printf', '%p\\t%l\\n'];
  return new Promise((resolve, reject) => {
    execFile('find', args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      if (error && (error.killed || typeof error.code !== 'number' || error.code > 1)) return reject(new Error(`reading the sandbox's descriptors failed: ${error.message.slice(0, 200)}`));
      const found: { path: string; inode: number }[] = [];
      for (const line of stdout.split('\n')) {
        const [entry, link] = line.split('\t');
        const inode = networkNamespaceInode(link ?? '');
        if (entry && inode !== undefined) found.push({ path: entry, inode });
      }
      resolve(found);
    });
  });
}

/** A thread with more descriptors than this has them read by `find`; fewer are read here (no process to start). */
const DESCRIPTORS_READ_HERE = 512;

/** The network namespace descriptors of these threads. */
async function descriptorsOfTasks(taskDirs: string[], timeoutMs: number): Promise<{ path: string; inode: number }[]> {
  const found: { path: string; inode: number }[] = [];
  const crowded: string[] = [];
  for (const task of taskDirs) {
    const names = await readdir(path.join(task, 'fd')).catch(() => [] as string[]);
    if (names.length > DESCRIPTORS_READ_HERE) {
      crowded.push(task);
      continue;
    }
    const links = await Promise.all(names.map((name) => readlink(path.join(task, 'fd', name)).catch(() => '')));
    links.forEach((link, i) => {
      const inode = networkNamespaceInode(link);
      if (inode !== undefined) found.push({ path: path.join(task, 'fd', names[i] as string), inode });
    });
  }
  return [...found, ...(await namespaceDescriptors(crowded, timeoutMs))];
}

async function cgroupTasks(dir: string, tasksFile: string): Promise<number[]> {
  const tasks = new Set<number>();
  const pending = [dir];
  for (let seen = 0; pending.length > 0 && seen < 100_000; seen += 1) {
    const current = pending.pop() as string;
    const text = await readFile(path.join(current, tasksFile), 'utf8').catch(() => '');
    for (const tid of text.split('\n')) if (/^\d+$/.test(tid)) tasks.add(Number(tid));
    const entries = await readdir(current, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) if (entry.isDirectory()) pending.push(path.join(current, entry.name));
  }
  return [...tasks];
}

/**
 * Every network namespace a sandbox holds that the host can find: those its threads are in (its
 * own, its inner containers'), those its threads hold a descriptor of, and those bind-mounted in
 * its threads' mount namespaces (`ip netns add`). Its threads are those of its cgroup and below,
 * which it cannot leave (the parent is the host's). Not found: a namespace held only by a socket in
 * flight, or by a mount no thread of the sandbox can see from its root.
 */
export async function sandboxNetworkNamespaces(initPid: number, options: NamespaceScanOptions = {}): Promise<SandboxNetworkNamespaces> {
  const proc = options.procRoot ?? '/proc';
  const { dir, tasksFile } = cgroupOfProcess(await readFile(path.join(proc, String(initPid), 'cgroup'), 'utf8'), options.cgroupRoot ?? '/sys/fs/cgroup');
  const tasks = await cgroupTasks(dir, tasksFile);
  const namespaces = new Map<number, string[]>();
  const mountNamespaces = new Set<string>();
  const add = (inode: number | undefined, entry: string) => {
    if (inode === undefined) return;
    const paths = namespaces.get(inode) ?? [];
    if (paths.length < PATHS_PER_NAMESPACE) namespaces.set(inode, [...paths, entry]);
  };
  for (const tid of tasks) {
    const task = path.join(proc, String(tid));
    const own = await readlink(path.join(task, 'ns', 'net')).catch(() => '');
    add(networkNamespaceInode(own), path.join(task, 'ns', 'net'));
    const mountNamespace = await readlink(path.join(task, 'ns', 'mnt')).catch(() => '');
    if (mountNamespace && !mountNamespaces.has(mountNamespace)) {
      mountNamespaces.add(mountNamespace);
      const mountinfo = await readFile(path.join(task, 'mountinfo'), 'utf8').catch(() => '');
      for (const mount of networkNamespaceMounts(mountinfo)) add(mount.inode, path.join(task, 'root', mount.mountPoint));
    }
  }
  for (const descriptor of await descriptorsOfTasks(tasks.map((tid) => path.join(proc, String(tid))), options.timeoutMs ?? 30_000)) add(descriptor.inode, descriptor.path);
  return { namespaces, tasks: tasks.length };
}
