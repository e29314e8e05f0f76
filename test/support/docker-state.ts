import path from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import Docker from 'dockerode';
import { sandboxDaemonLayout } from '../../sandbox-engine/src/isolation/sandbox-daemon-layout.js';
import { labelFilter } from '../../sandbox-engine/src/contracts/docker-labels.js';

/** The host's engine (image catalog, mirror; sandboxes of the trusted isolation). */
export const docker = new Docker({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });
/** The platform's user-namespaced sandbox daemon (sandboxes of the default isolation). */
export const sandboxDocker = new Docker({ socketPath: process.env.SANDBOX_DOCKER_SOCKET ?? sandboxDaemonLayout.socket });
const daemons = () => [docker, ...(existsSync(process.env.SANDBOX_DOCKER_SOCKET ?? sandboxDaemonLayout.socket) ? [sandboxDocker] : [])];

/** Fails with a clear message when the Docker Engine is not there: integration tests never skip silently. */
export async function requireDocker(): Promise<void> {
  await docker.ping().catch((error: Error) => {
    throw new Error(`These tests need a running Docker Engine (npm start or .ci/run installs and starts it): ${error.message}`);
  });
}

/**
 * Parent cgroups of sandboxes of an instance: the host-owned ones (memory hierarchy) and those runc
 * makes by itself in a hybrid host's v2 `unified` hierarchy (a leak there went unseen once).
 */
export function instanceCgroups(instance: string): string[] {
  return ['memory', 'unified'].flatMap((hierarchy) => {
    const dir = `/sys/fs/cgroup/${hierarchy}/dockyard`;
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => name.includes(`-${instance}-`))
      .map((name) => `${hierarchy}/${name}`);
  });
}

/** Containers, networks and volumes labelled with an engine instance on both daemons, its cgroups, its disk clones and the host's mounts of them. */
export async function instanceResources(instance: string) {
  const filters = { label: [labelFilter('instance', instance)] };
  let containers = 0;
  let networks = 0;
  let volumes = 0;
  for (const daemon of daemons()) {
    containers += (await daemon.listContainers({ all: true, filters })).length;
    networks += (await daemon.listNetworks({ filters })).length;
    volumes += ((await daemon.listVolumes({ filters })).Volumes ?? []).length;
  }
  const mounts = (await readFile('/proc/mounts', 'utf8')).split('\n').filter((line) => line.includes(`/mounts/${instance}-`));
  const clonesDir = path.join(process.env.DOCKYARD_DATA_DIR ?? '/var/lib/dockyard', 'store', 'sandboxes');
  const clones = existsSync(clonesDir) ? readdirSync(clonesDir).filter((name) => name.startsWith(`${instance}-`)).length : 0;
  return { containers, networks, volumes, mounts: mounts.length, cgroups: instanceCgroups(instance).length, clones };
}

export async function allVolumeNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const daemon of daemons()) for (const volume of (await daemon.listVolumes()).Volumes ?? []) names.add(volume.Name);
  return names;
}
