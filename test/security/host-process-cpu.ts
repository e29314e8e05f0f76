import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Config } from '../../sandbox-engine/src/config/config-schema.js';
import { sandboxDaemonLayout } from '../../sandbox-engine/src/isolation/sandbox-daemon-layout.js';

/** Where the host engine writes its pid (Debian's docker.io). */
const HOST_DOCKERD_PID_FILE = '/var/run/docker.pid';

let ticksPerSecond: number | undefined;

/** The CPU time (user + system, seconds) a host process has used so far, read from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)": state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** The parent of a host process (for a container's init: its containerd shim). */
export function parentPid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** The dockerd that runs the sandboxes: the platform's sandbox daemon, or the host engine (trusted profile). */
export function sandboxDockerdPid(config: Config): number {
  const file = config.SANDBOX_ISOLATION === 'userns' ? sandboxDaemonLayout.pidFile : HOST_DOCKERD_PID_FILE;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'dockerd') throw new Error(`${file} does not name a running dockerd`);
  return pid;
}
