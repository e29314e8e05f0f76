import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { sandboxThreads, TooManyCgroupsError } from './sandbox-threads.js';

/** What a sandbox holds of the neighbour entries the kernel never reclaims (neighbour-census.pl). */
export interface NeighbourCensus {
  /** Held entries counted (counting stops past the limit). */
  held: number;
  /** Network namespaces counted. */
  namespaces: number;
  threads: number;
  /**
   * What the sandbox keeps where it cannot be counted, by inode: a mount path that no longer leads
   * to its namespace, a mount namespace no thread is in or seen only from chroots, a socket kept only
   * by a memory mapping, more network namespaces than the census counts (inode 0).
   */
  hidden: { inode: number; why: string }[];
  /** Namespaces whose count failed on the host's side (no sign of the sandbox's doing). */
  skipped: { inode: number; why: string }[];
}

/** The syscall numbers the census needs, per architecture (setns, ioctl, pidfd_open, pidfd_getfd, kcmp). */
const SYSCALLS: Partial<Record<NodeJS.Architecture, [number, number, number, number, number]>> = {
  x64: [308, 16, 434, 438, 312],
  arm64: [268, 29, 434, 438, 272],
};

/**
 * Network namespaces counted at most per look (one child process each, CPU that no sandbox limit
 * counts): a sandbox holding more is reported (hidden, inode 0). A lesson's sandbox holds one per
 * container it runs, and its own.
 */
export const MAX_COUNTED_NAMESPACES = 128;

/**
 * The census could not finish: it took longer than its time (a sandbox's own namespaces take
 * ~50 ms; seconds take a sandbox made slow to count: millions of descriptors, mounts), printed more
 * or other than it prints, or the sandbox has more cgroups than are read. A sandbox can cause each.
 */
export class NeighbourCensusUnfinishedError extends Error {
  override name = 'NeighbourCensusUnfinishedError';
}

let script: string | undefined;
/** Parses the census's report strictly: anything else than its lines is an error. */
export function parseCensus(output: string): NeighbourCensus {
  const census: NeighbourCensus = { held: 0, namespaces: 0, threads: 0, hidden: [], skipped: [] };
  let done = false;
  for (const line of output.split('\n')) {
    if (line === '') continue;
    let match: RegExpExecArray | null;
    if (done) throw new Error(`the neighbour census printed after its last line: ${line.slice(0, 120)}`);
    if (/^NS \d+ \d+$/.test(line)) continue;
    if ((match = /^(HIDDEN|SKIP) (\d+) (.{1,200})$/.exec(line))) (match[1] === 'HIDDEN' ? census.hidden : census.skipped).push({ inode: Number(match[2]), why: match[3] as string });
    else if ((match = /^DONE (\d+) (\d+) (\d+)$/.exec(line))) {
      done = true;
      census.threads = Number(match[1]);
      census.namespaces = Number(match[2]);
      census.held = Number(match[3]);
    } else throw new Error(`the neighbour census printed an unexpected line: ${line.slice(0, 120)}`);
  }
  if (!done) throw new Error('the neighbour census ended without its last line');
  return census;
}

/**
 * Counts the held neighbour entries of every network namespace a sandbox holds (those its threads
 * are in, bind-mounted, open as descriptors, or kept by its sockets), stopping past `limit`, and
 * reports what it keeps out of reach. Runs neighbour-census.pl on the host (perl-base is Essential
 * in Debian) in a process group of its own that a timeout kills whole (its counting children too).
 * `containerId` finds the sandbox's cgroup (sandbox-threads.ts).
 */
export async function neighbourCensus(initPid: number, containerId: string, limit: number, timeoutMs = 10_000): Promise<NeighbourCensus> {
  const syscalls = SYSCALLS[process.arch];
  if (!syscalls) throw new Error(`the neighbour census does not know ${process.arch}'s syscall numbers`);
  const threads = await sandboxThreads(initPid, containerId).catch((error: unknown) => {
    throw error instanceof TooManyCgroupsError ? new NeighbourCensusUnfinishedError(error.message) : error;
  });
  script ??= readFileSync(new URL('./neighbour-census.pl', import.meta.url), 'utf8');
  const args = ['-e', script, String(limit), String(MAX_COUNTED_NAMESPACES), ...syscalls.map(String)];
  const output = await new Promise<string>((resolve, reject) => {
    // Perl by its path, with no environment (PERL5OPT and the like do not reach a root process).
    const child = spawn('/usr/bin/perl', args, { detached: true, env: {}, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let overflowed = false;
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.length > MAX_OUTPUT_CHARS) {
        overflowed = true;
        killGroup();
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 2000) stderr += chunk;
    });
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new NeighbourCensusUnfinishedError(`the neighbour census took longer than ${timeoutMs} ms (${threads.length} threads)`));
      else if (overflowed) reject(new NeighbourCensusUnfinishedError(`the neighbour census printed more than ${MAX_OUTPUT_CHARS} characters`));
      else if (code !== 0) reject(new Error(`the neighbour census failed (${signal ?? `exit ${code}`}): ${stderr.trim().slice(0, 200)}`));
      else resolve(stdout);
    });
    child.stdin.end(threads.join('\n') + '\n');
  });
  try {
    return parseCensus(output);
  } catch (error) {
    throw new NeighbourCensusUnfinishedError((error as Error).message);
  }
}

/** The census prints a line per namespace (at most 128 counted) and at most 101 hidden: far below this. */
const MAX_OUTPUT_CHARS = 1024 * 1024;
