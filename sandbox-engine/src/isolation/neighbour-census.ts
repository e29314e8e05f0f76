import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { sandboxThreads } from './sandbox-threads.js';

/** What a sandbox holds of the neighbour entries the kernel never reclaims (neighbour-census.pl). */
export interface NeighbourCensus {
  /** Held entries counted (counting stops past the limit). */
  held: number;
  /** Network namespaces counted. */
  namespaces: number;
  threads: number;
  /** Namespaces found but not counted, and why (gone meanwhile, or a path that was not one any more). */
  skipped: { inode: number; why: string }[];
}

/** The syscall numbers the census needs, per architecture (setns, ioctl, pidfd_open, pidfd_getfd, kcmp). */
const SYSCALLS: Partial<Record<NodeJS.Architecture, [number, number, number, number, number]>> = {
  x64: [308, 16, 434, 438, 312],
  arm64: [268, 29, 434, 438, 272],
};

/** Why a skipped namespace is no sign of hiding: a descriptor of another kind of namespace. */
export const NOT_A_NETWORK_NAMESPACE = 'not a network namespace';

/**
 * The census did not finish in its time. A sandbox's own namespaces take ~50 ms; what takes many
 * seconds is a sandbox made to be slow to count (hundreds of namespaces, millions of descriptors).
 */
export class NeighbourCensusTimeoutError extends Error {
  override name = 'NeighbourCensusTimeoutError';
}

let script: string | undefined;

/** Parses the census's report strictly: anything else than its lines is an error. */
export function parseCensus(output: string): NeighbourCensus {
  const census: NeighbourCensus = { held: 0, namespaces: 0, threads: 0, skipped: [] };
  let done = false;
  for (const line of output.split('\n')) {
    if (line === '') continue;
    let match: RegExpExecArray | null;
    if ((match = /^NS (\d+) (\d+)$/.exec(line))) continue;
    if ((match = /^SKIP (\d+) (.{1,200})$/.exec(line))) census.skipped.push({ inode: Number(match[1]), why: match[2] as string });
    else if ((match = /^DONE (\d+) (\d+) (\d+)$/.exec(line)) && !done) {
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
 * are in, bind-mounted, open as descriptors, or kept by its sockets), stopping past `limit`. Runs
 * neighbour-census.pl on the host (perl-base is Essential in Debian): one process per look, forking
 * one `ip` per namespace.
 */
export async function neighbourCensus(initPid: number, limit: number, timeoutMs = 15_000): Promise<NeighbourCensus> {
  const syscalls = SYSCALLS[process.arch];
  if (!syscalls) throw new Error(`the neighbour census does not know ${process.arch}'s syscall numbers`);
  const threads = await sandboxThreads(initPid);
  script ??= readFileSync(new URL('./neighbour-census.pl', import.meta.url), 'utf8');
  const output = await new Promise<string>((resolve, reject) => {
    const options = { timeout: timeoutMs, killSignal: 'SIGKILL' as const, maxBuffer: 4 * 1024 * 1024 };
    const child = execFile('perl', ['-e', script as string, String(limit), ...syscalls.map(String)], options, (error, stdout, stderr) => {
      if (error?.killed) reject(new NeighbourCensusTimeoutError(`the neighbour census took longer than ${timeoutMs} ms (${threads.length} threads)`));
      else if (error) reject(new Error(`the neighbour census failed: ${error.message.slice(0, 200)} ${stderr.slice(0, 200)}`));
      else resolve(stdout);
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(threads.join('\n') + '\n');
  });
  return parseCensus(output);
}
