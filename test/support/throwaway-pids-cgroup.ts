import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitUntil } from '../../sandbox-engine/src/process/wait-until.js';

const PIDS_ROOT = '/sys/fs/cgroup/pids';

/** Whether this host has a cgroup v1 pids hierarchy these tests can make cgroups in (as root). */
export const canMakePidsCgroups = existsSync(path.join(PIDS_ROOT, 'cgroup.procs')) && process.getuid?.() === 0;

export interface StartOptions {
  /** Runs first, in the host's namespaces: descriptors it opens (`exec 5<…`) are kept. */
  before?: string;
  /** A cgroup below this one (made by `child`) to join instead. */
  cgroup?: string;
  /**
   * Runs `script` in a network and a mount namespace of its own, without the host's namespace
   * mounts (true by default): the neighbour census counts every network namespace a process is in
   * or sees mounted, and the host's hold entries of their own (NOARP).
   */
  isolated?: boolean;
  /** Variables for `script` (a Perl program is best passed as one: `exec perl -e "$PROGRAM"`). */
  env?: Record<string, string>;
}

/**
 * A cgroup v1 pids directory of its own with host processes in it: a made-up sandbox, as the
 * neighbour census finds one (every thread of a cgroup and below). Disposing of it kills every
 * process in it and removes it.
 */
export class ThrowawayPidsCgroup {
  readonly dir: string;
  private readonly outputDir: string;
  private started = 0;

  constructor(name: string) {
    this.dir = path.join(PIDS_ROOT, name);
    mkdirSync(this.dir);
    this.outputDir = mkdtempSync(path.join(tmpdir(), `${name}-output-`));
  }

  /** Makes a cgroup below this one. */
  child(relative: string): string {
    mkdirSync(path.join(this.dir, relative), { recursive: true });
    return relative;
  }

  /**
   * Starts `sh -c script` in the cgroup (joined first, before anything else runs), resolving with
   * its pid once it printed "ready". Its output goes to a file: Node's pipes to a child are sockets,
   * made in the host's network namespace, which the census would count (it counts sockets' namespaces).
   */
  async start(script: string, options: StartOptions = {}): Promise<number> {
    const join = `echo $$ > "$DYK_CGROUP/cgroup.procs" && ${options.before ?? ':'}`;
    const isolate = `umount -a -t nsfs 2>/dev/null; if grep -q " - nsfs " /proc/self/mountinfo; then echo "nsfs mounts left" >&2; exit 1; fi; eval "$DYK_SCRIPT"`;
    const command = options.isolated === false ? `${join} && eval "$DYK_SCRIPT"` : `${join} && exec unshare -m -n sh -c '${isolate}'`;
    this.started += 1;
    const outputFile = path.join(this.outputDir, `${this.started}.out`);
    const output = openSync(outputFile, 'w');
    const child = spawn('sh', ['-c', command], {
      env: { ...process.env, ...options.env, DYK_CGROUP: path.join(this.dir, options.cgroup ?? ''), DYK_SCRIPT: script },
      stdio: ['ignore', output, output],
    });
    closeSync(output);
    let exited = '';
    child.on('exit', (code, signal) => (exited = String(code ?? signal)));
    const ready = await waitUntil(() => exited !== '' || readFileSync(outputFile, 'utf8').includes('ready\n'), { timeoutMs: 30_000, intervalMs: 20 });
    if (!ready || exited !== '') throw new Error(`${script} ${exited ? `exited (${exited})` : 'did not get ready'}: ${readFileSync(outputFile, 'utf8')}`);
    return child.pid as number;
  }

  /** The processes in it and below. */
  processes(): number[] {
    return this.dirs().flatMap((dir) => readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number));
  }

  /** Its directory and those below, deepest last. */
  private dirs(): string[] {
    const found = [this.dir];
    for (let index = 0; index < found.length; index += 1) {
      const dir = found[index] as string;
      for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) found.push(path.join(dir, entry.name));
    }
    return found;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    rmSync(this.outputDir, { recursive: true, force: true });
    if (!existsSync(this.dir)) return;
    const empty = await waitUntil(
      () => {
        const left = this.processes();
        for (const pid of left) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // Ended meanwhile.
          }
        }
        return left.length === 0;
      },
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    if (!empty) throw new Error(`${this.dir} still holds processes ${this.processes().join(' ')}`);
    for (const dir of this.dirs().reverse()) rmdirSync(dir);
  }
}
