import type Docker from 'dockerode';
import type { Config } from '../config/config-schema.js';
import { sandboxSeccompProfile } from '../isolation/seccomp-profile.js';

/** What a sandbox's host config is made from besides the settings. */
export interface SandboxPlacement {
  /** The sandbox's mounted disk (its XFS clone): everything it writes lives there. */
  diskDir: string;
  /** Its network (the container has no other). */
  network: string;
  /** A host-owned parent cgroup holding the limits (userns isolation on cgroup v1); else limits go on the container. */
  cgroupParent?: string;
}

/** Queued signals a sandbox may have pending at once (the host's root has 96k for all of them). */
const SANDBOX_PENDING_SIGNALS = 1024;

const tmpfs = (size: string) => `rw,nosuid,nodev,size=${size}`;

/**
 * Every limit and security setting of a sandbox container, in one place for review.
 *
 * Both profiles: a read-only root filesystem; what the learner and the inner daemon write goes to the
 * sandbox's own disk (/root, /tmp, /var/lib/docker and /etc/hosts, hostname, resolv.conf are on its
 * XFS clone, whose size is a hard limit) or to small tmpfs (counted against its memory); a private
 * cgroup namespace, so the inner daemon's cgroups nest inside the sandbox's own.
 *
 * userns (default): runs on the platform's user-namespaced daemon, so the sandbox's root is uid
 * 100000+ on the host; all capabilities inside that namespace but SYS_RESOURCE, its own share of
 * the namespace, watch, message-queue and signal counts it shares with the host's root, the seccomp denylist of
 * isolation/seccomp-profile.ts, Docker's default masked and read-only /proc paths; limits on a
 * host-owned parent cgroup the sandbox cannot write.
 *
 * trusted (opt-in, one trusted user): the old profile on the host's Docker Engine: every capability
 * but SYS_RESOURCE (or --privileged), seccomp/AppArmor unconfined, /proc and /sys writable, no user
 * namespace. Root in such a sandbox can become root on the host.
 */
/** The trusted profile's security settings (host engine, no user namespace): also what infra's image check runs. */
export function trustedSecurity(profile: Config['SANDBOX_SECURITY_PROFILE']): Docker.HostConfig {
  if (profile === 'privileged') return { Privileged: true };
  return {
    CapAdd: ['ALL'],
    CapDrop: ['SYS_RESOURCE'],
    SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
    // The API form of the CLI's `--security-opt systempaths=unconfined`.
    MaskedPaths: [],
    ReadonlyPaths: [],
  };
}

export function sandboxHostConfig(config: Config, placement: SandboxPlacement): Docker.HostConfig {
  const memory = config.SANDBOX_MEMORY_MB * 1024 * 1024;
  // The same limits on the container itself (what the learner reads inside) and, with delegation, on
  // the host-owned parent, where they hold whatever happens below.
  const limits: Docker.HostConfig = {
    Memory: memory,
    MemorySwap: memory,
    NanoCpus: Math.round(config.SANDBOX_CPUS * 1e9),
    PidsLimit: config.SANDBOX_PIDS,
    ...(placement.cgroupParent ? { CgroupParent: placement.cgroupParent } : {}),
  };
  const security: Docker.HostConfig =
    config.SANDBOX_ISOLATION === 'userns'
      ? {
          CapAdd: ['ALL'],
          // Without it the sandbox cannot raise its own namespace and watch limits (user-namespace-limits.ts).
          CapDrop: ['SYS_RESOURCE'],
          SecurityOpt: [`seccomp=${sandboxSeccompProfile()}`],
          // Message queues and queued signals are counted for the host's root and every sandbox
          // together (one sandbox used up the host's 800 KiB of queues): none, and a few signals each.
          Ulimits: [
            { Name: 'msgqueue', Soft: 0, Hard: 0 },
            { Name: 'sigpending', Soft: SANDBOX_PENDING_SIGNALS, Hard: SANDBOX_PENDING_SIGNALS },
          ],
        }
      : trustedSecurity(config.SANDBOX_SECURITY_PROFILE);
  const disk = placement.diskDir;
  return {
    ...security,
    ...limits,
    CgroupnsMode: 'private',
    NetworkMode: placement.network,
    ReadonlyRootfs: true,
    Binds: [
      `${disk}/docker:/var/lib/docker`,
      `${disk}/root:/root`,
      `${disk}/tmp:/tmp`,
      // Our own copies (Docker's would live on the host's disk, writable by the sandbox's root).
      `${disk}/etc/hosts:/etc/hosts`,
      `${disk}/etc/hostname:/etc/hostname`,
      `${disk}/etc/resolv.conf:/etc/resolv.conf`,
    ],
    Tmpfs: { '/run': tmpfs('64m'), '/etc/docker': tmpfs('1m'), '/var/log': tmpfs('32m'), '/var/tmp': tmpfs('16m') },
    LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '1' } },
    RestartPolicy: { Name: 'no' },
  } as Docker.HostConfig;
}
