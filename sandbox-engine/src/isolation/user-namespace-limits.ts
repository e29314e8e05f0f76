import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

/**
 * Per-user-namespace counters (kernel/ucount.c). A sandbox's user namespace is made by the host's
 * root, so what the sandbox creates is counted, level by level, against the sandbox's own limit
 * AND host root's: without a limit of its own, one learner holding 96,000 UTS namespaces (or 126
 * inotify instances) stopped every container start on the host, other learners' included.
 */
export const userNamespaceCounters = [
  'max_user_namespaces',
  'max_mnt_namespaces',
  'max_uts_namespaces',
  'max_ipc_namespaces',
  'max_pid_namespaces',
  'max_net_namespaces',
  'max_cgroup_namespaces',
  'max_time_namespaces',
  'max_inotify_instances',
  'max_inotify_watches',
  'max_fanotify_groups',
  'max_fanotify_marks',
] as const;
export type UserNamespaceCounter = (typeof userNamespaceCounters)[number];
export type UserNamespaceLimits = Record<UserNamespaceCounter, number>;

/**
 * The most one sandbox gets of each, whatever the host allows: an inner container takes one
 * namespace of each kind, file watchers of a dev server a few thousand watches; the inner daemon
 * needs no user namespace.
 */
const PER_SANDBOX_CEILING: UserNamespaceLimits = {
  max_user_namespaces: 64,
  max_mnt_namespaces: 1024,
  max_uts_namespaces: 1024,
  max_ipc_namespaces: 1024,
  max_pid_namespaces: 1024,
  max_net_namespaces: 1024,
  max_cgroup_namespaces: 1024,
  max_time_namespaces: 1024,
  max_inotify_instances: 128,
  max_inotify_watches: 65_536,
  max_fanotify_groups: 16,
  max_fanotify_marks: 8192,
};

/** Half of each host limit stays for the host's root itself (its daemons start every container). */
const HOST_SHARE_FOR_SANDBOXES = 0.5;

/**
 * What each sandbox may hold: together, `sandboxes` of them stay within half of the host's limit,
 * and none gets more than its ceiling. At least 1 of each (a limit of 0 would leave the inner
 * daemon unable to start a container at all on a host that is far too small: it says so itself).
 */
export function sandboxUserNamespaceLimits(host: UserNamespaceLimits, sandboxes: number): UserNamespaceLimits {
  const share = (counter: UserNamespaceCounter) =>
    Math.max(1, Math.min(PER_SANDBOX_CEILING[counter], Math.floor((host[counter] * HOST_SHARE_FOR_SANDBOXES) / Math.max(1, sandboxes))));
  return Object.fromEntries(userNamespaceCounters.map((counter) => [counter, share(counter)])) as UserNamespaceLimits;
}

/** The host's own limits (the engine runs in the host's user namespace). */
export function readHostUserNamespaceLimits(procSysUser = '/proc/sys/user'): UserNamespaceLimits {
  return Object.fromEntries(
    userNamespaceCounters.map((counter) => {
      const value = Number(readFileSync(`${procSysUser}/${counter}`, 'utf8').trim());
      if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${procSysUser}/${counter} is not a count`);
      return [counter, value];
    }),
  ) as UserNamespaceLimits;
}

const run = promisify(execFile);

/**
 * Sets the limits of the user namespace of the process `pid` (a sandbox's first process) from the
 * host: `nsenter --user` gives this root every capability in that namespace, whose /proc/sys/user
 * is then its own. The sandbox itself cannot raise them afterwards: it has no CAP_SYS_RESOURCE
 * (sandbox-hardening.ts drops it) and a namespace it makes below counts against these too.
 */
export async function applyUserNamespaceLimits(pid: number, limits: UserNamespaceLimits): Promise<void> {
  if (!Number.isSafeInteger(pid) || pid <= 1) throw new Error(`not a sandbox process: ${pid}`);
  const writes = userNamespaceCounters.map((counter) => `printf '%s\\n' ${Math.trunc(limits[counter])} > /proc/sys/user/${counter}`).join(' && ');
  try {
    await run('nsenter', ['--target', String(pid), '--user', '--', 'sh', '-c', writes], { timeout: 10_000 });
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new Error(`could not limit the sandbox's namespaces and watches (pid ${pid}): ${detail}`);
  }
}
