import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { open, stat } from 'node:fs/promises';

/**
 * Entries the kernel never reclaims on its own, whoever holds them: `PERMANENT` and `NOARP` states,
 * `extern_learn` and `managed` flags (all skip `gc_thresh3` and the garbage collector), and proxy
 * entries (a separate table with no limit at all). None of it is charged to the memory cgroup of
 * whoever added it.
 */
const HELD = /\b(PERMANENT|NOARP|extern_learn|managed)\b|\sproxy\s*$/;

/** Whether a line of `ip neigh show nud all` or `ip neigh show proxy` is an entry the kernel keeps. */
export function isHeldNeighbour(line: string): boolean {
  return HELD.test(line);
}

/**
 * Linux's O_PATH (the same on x86-64 and arm64; Node does not export it): a handle on the file that
 * does not open it, so no driver's open runs and nothing blocks.
 */
const O_PATH = 0o10000000;

/**
 * Counts the held neighbour entries (both families) of network namespace `inode`, found at
 * `netnsPath` (`/proc/<tid>/ns/net`, a descriptor's or a bind mount's path), by running the host's
 * `ip` in it. The path is the sandbox's to change, and under `/proc/<tid>/root` an absolute symlink
 * leads into the host's own files: it is taken with O_PATH (a FIFO or a device put there is not
 * opened, and cannot hold the count), checked to be that namespace (an nsfs file of that inode),
 * and only then handed to `nsenter` open, so what is entered is what was checked. Lines are counted
 * as they come: a million entries cost no memory here.
 */
export async function countHeldNeighbours(netnsPath: string, inode: number, timeoutMs = 10_000): Promise<number> {
  const nsfs = (await stat('/proc/self/ns/net')).dev;
  const handle = await open(netnsPath, O_PATH);
  try {
    const found = await handle.stat();
    if (found.ino !== inode || found.dev !== nsfs) throw new Error(`${netnsPath} is no longer network namespace ${inode}`);
    return await countInOpenNamespace(handle.fd, netnsPath, timeoutMs);
  } finally {
    await handle.close();
  }
}

function countInOpenNamespace(fd: number, label: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', ['--net=/proc/self/fd/3', 'ip', '-batch', '-'], { stdio: ['pipe', 'pipe', 'pipe', fd] }) as unknown as ChildProcessWithoutNullStreams;
    let count = 0;
    let partial = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (isHeldNeighbour(line)) count += 1;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 2000) stderr += chunk;
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (isHeldNeighbour(partial)) count += 1;
      if (code === 0) resolve(count);
      else reject(new Error(`counting neighbours in ${label} failed (${signal ?? `exit ${code}`}): ${stderr.trim().slice(0, 200)}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end('neigh show nud all\nneigh show proxy\n');
  });
}
