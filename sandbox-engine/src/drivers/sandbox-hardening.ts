import type Docker from 'dockerode';
import type { Config } from '../config/config-schema.js';

/**
 * Every limit and security setting a sandbox container gets, in one place for review.
 * "caps" is for hosts where --privileged fails (the capability bounding set lacks SYS_RESOURCE):
 * all capabilities but that one, seccomp/apparmor unconfined, and /proc, /sys writable so the
 * inner daemon can mount cgroups and manage its own containers.
 */
export function sandboxHostConfig(config: Config): Docker.HostConfig {
  const memory = config.SANDBOX_MEMORY_MB * 1024 * 1024;
  const security: Docker.HostConfig =
    config.SANDBOX_SECURITY_PROFILE === 'privileged'
      ? { Privileged: true }
      : {
          CapAdd: ['ALL'],
          CapDrop: ['SYS_RESOURCE'],
          SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
          // The API form of the CLI's `--security-opt systempaths=unconfined`.
          MaskedPaths: [],
          ReadonlyPaths: [],
        };
  return {
    ...security,
    // A private cgroup namespace: the inner daemon's cgroups nest inside the sandbox's own limits.
    CgroupnsMode: 'private',
    Memory: memory,
    MemorySwap: memory,
    NanoCpus: Math.round(config.SANDBOX_CPUS * 1e9),
    PidsLimit: config.SANDBOX_PIDS,
    // The sandbox reaches the local registry mirror on the host through this name.
    ExtraHosts: [`mirror.dockyard:host-gateway`],
    LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '1' } },
    RestartPolicy: { Name: 'no' },
  } as Docker.HostConfig;
}

export const labelKeys = {
  managed: 'org.dockyard.managed',
  role: 'org.dockyard.role',
  instance: 'org.dockyard.instance',
  session: 'org.dockyard.session',
  lesson: 'org.dockyard.lesson',
  secretHash: 'org.dockyard.secret-sha256',
  createdAt: 'org.dockyard.created-at',
  expiresAt: 'org.dockyard.expires-at',
} as const;
