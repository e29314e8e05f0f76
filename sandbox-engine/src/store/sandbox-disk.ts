import { chmod, chown, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Owner } from '../isolation/cgroup-v1-delegation.js';

export interface SandboxDiskFacts {
  /** Who root in the sandbox is on the host (100000 under userns-remap, 0 when trusted). */
  owner: Owner;
  /** The address the sandbox reaches the read-only registry mirror on. */
  mirrorAddress: string;
  /** DNS servers for the sandbox (the host's, unless they are on loopback). */
  resolvers: string[];
}

/**
 * Lays out a sandbox's disk (a seed, or a clone of one): `docker/` (the inner data root), `root/`,
 * `tmp/`, and `etc/` with the hosts, hostname and resolv.conf files the sandbox sees, all owned by
 * the sandbox's root. Idempotent: a clone already has the directories; the etc files are rewritten.
 */
export async function prepareSandboxDisk(dir: string, facts: SandboxDiskFacts): Promise<void> {
  const { uid, gid } = facts.owner;
  for (const [name, mode] of [['docker', 0o710], ['root', 0o700], ['tmp', 0o1777], ['etc', 0o755]] as const) {
    const sub = path.join(dir, name);
    await mkdir(sub, { recursive: true });
    await chown(sub, uid, gid);
    await chmod(sub, mode);
  }
  const files: Record<string, string> = {
    hosts: [
      '127.0.0.1\tlocalhost',
      '::1\tlocalhost ip6-localhost ip6-loopback',
      '127.0.1.1\tsandbox',
      `${facts.mirrorAddress}\tmirror.dockyard`,
      '',
    ].join('\n'),
    hostname: 'sandbox\n',
    'resolv.conf': facts.resolvers.map((address) => `nameserver ${address}`).join('\n') + '\n',
  };
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, 'etc', name);
    await writeFile(file, text);
    await chown(file, uid, gid);
  }
}
