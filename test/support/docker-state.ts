import { readFile } from 'node:fs/promises';
import Docker from 'dockerode';

export const docker = new Docker({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });

/** Fails with a clear message when the Docker Engine is not there: integration tests never skip silently. */
export async function requireDocker(): Promise<void> {
  await docker.ping().catch((error: Error) => {
    throw new Error(`These tests need a running Docker Engine (npm start or .ci/run installs and starts it): ${error.message}`);
  });
}

/** Containers, networks and volumes labelled with an engine instance, plus the host's mounts of its clones. */
export async function instanceResources(instance: string) {
  const filters = { label: [`org.dockyard.instance=${instance}`] };
  const containers = await docker.listContainers({ all: true, filters });
  const networks = await docker.listNetworks({ filters });
  const volumes = (await docker.listVolumes({ filters })).Volumes ?? [];
  const mounts = (await readFile('/proc/mounts', 'utf8')).split('\n').filter((line) => line.includes(`/mounts/${instance}-`));
  return { containers: containers.length, networks: networks.length, volumes: volumes.length, mounts: mounts.length };
}

export async function allVolumeNames(): Promise<Set<string>> {
  return new Set(((await docker.listVolumes()).Volumes ?? []).map((volume) => volume.Name));
}
