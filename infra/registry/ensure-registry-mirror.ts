import type Docker from 'dockerode';
import { z } from 'zod';
import { dockyardLabels } from '../lib/dockyard-labels.js';
import { isNotFound } from '../lib/host-docker.js';
import { inspectImages } from '../lib/inspect-images.js';
import { removeIfDangling } from '../lib/remove-if-dangling.js';
import { runCommand } from '../../sandbox-engine/src/process/run-command.js';
import { waitUntil } from '../../sandbox-engine/src/process/wait-until.js';
import { secondsSince } from '../lib/start-heartbeat.js';
import {
  DEFAULT_REGISTRY_PORT,
  REGISTRY_CONTAINER,
  REGISTRY_IMAGE,
  REGISTRY_PUSH_CONTAINER,
  REGISTRY_VOLUME,
} from './registry-names.js';

export { pushServedImages } from './push-served-images.js';

export interface RegistryMirrorOptions {
  /** Host port of the registry (default 5000). */
  port?: number;
  /** Address sandboxes reach it on; default: the default bridge's gateway (what host-gateway resolves to). */
  gatewayAddress?: string;
}

interface RegistryContainerSpec {
  name: string;
  role: string;
  config: string;
  bind: string;
}

/**
 * Runs the local registry mirror, two containers on the volume `dockyard-registry-data` (restart
 * unless-stopped), and waits until both answer /v2/:
 * - `dockyard-registry`, read-only, on GATEWAY:PORT (172.17.0.1): what sandboxes pull from;
 * - `dockyard-registry-push`, read-write, on 127.0.0.1:PORT only: where the host pushes.
 * A learner can therefore not push into the mirror other learners pull from. Containers whose
 * image was rebuilt or whose address changed are replaced; running ones are left alone.
 */
export async function ensureRegistryMirror(log: (line: string) => void, docker: Docker, options: RegistryMirrorOptions = {}): Promise<void> {
  const port = options.port ?? DEFAULT_REGISTRY_PORT;
  const gateway = options.gatewayAddress ?? (await bridgeGateway(docker));
  const image = (await inspectImages(docker, [REGISTRY_IMAGE])).get(REGISTRY_IMAGE);
  if (!image) throw new Error(`${REGISTRY_IMAGE} is missing: build the catalog images first`);

  const volumeExists = await docker
    .getVolume(REGISTRY_VOLUME)
    .inspect()
    .then(() => true, (error: unknown) => {
      if (isNotFound(error)) return false;
      throw error;
    });
  if (!volumeExists) {
    await docker.createVolume({ Name: REGISTRY_VOLUME, Labels: dockyardLabels('registry') });
    log(`registry: created volume ${REGISTRY_VOLUME}`);
  }
  const specs: RegistryContainerSpec[] = [
    { name: REGISTRY_PUSH_CONTAINER, role: 'registry-push', config: 'config.yml', bind: `127.0.0.1:${port}` },
    { name: REGISTRY_CONTAINER, role: 'registry', config: 'config-readonly.yml', bind: `${gateway}:${port}` },
  ];
  // Outdated containers go first: they may hold the ports the new ones need.
  const oldImages = new Set<string>();
  for (const spec of specs) {
    const current = await inspectContainer(docker, spec.name);
    if (current && (current.imageId !== image.id || current.ports !== spec.bind || current.config !== configPath(spec))) {
      log(`registry: replacing ${spec.name} (${current.imageId !== image.id ? 'image rebuilt' : 'settings changed'})`);
      await docker.getContainer(spec.name).remove({ force: true });
      if (current.imageId !== image.id) oldImages.add(current.imageId);
    }
  }
  for (const old of oldImages) await removeIfDangling(log, docker, old);
  for (const spec of specs) await ensureRegistryContainer(log, docker, spec);
}

const configPath = (spec: RegistryContainerSpec) => `/etc/docker/registry/${spec.config}`;

async function ensureRegistryContainer(log: (line: string) => void, docker: Docker, spec: RegistryContainerSpec) {
  const started = Date.now();
  const current = await inspectContainer(docker, spec.name);
  if (current?.running) {
    await waitForRegistry(docker, spec, 10_000);
    log(`registry: ${spec.name} running on ${spec.bind}`);
    return;
  } else if (current) {
    await docker.getContainer(spec.name).start();
    await waitForRegistry(docker, spec, 30_000);
    log(`registry: started ${spec.name} on ${spec.bind} in ${secondsSince(started)} s`);
    return;
  }
  const [hostIp, hostPort] = [spec.bind.slice(0, spec.bind.lastIndexOf(':')), spec.bind.slice(spec.bind.lastIndexOf(':') + 1)];
  try {
    const container = await docker.createContainer({
      name: spec.name,
      Image: REGISTRY_IMAGE,
      Cmd: ['serve', configPath(spec)],
      Labels: dockyardLabels(spec.role),
      ExposedPorts: { '5000/tcp': {} },
      HostConfig: {
        RestartPolicy: { Name: 'unless-stopped' },
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } },
        Binds: [`${REGISTRY_VOLUME}:/var/lib/docker-registry`],
        PortBindings: { '5000/tcp': [{ HostIp: hostIp, HostPort: hostPort }] },
      },
    });
    await container.start();
  } catch (error) {
    // Do not leave a created-but-not-started container behind (e.g. the port is taken).
    await docker.getContainer(spec.name).remove({ force: true }).catch(() => undefined);
    throw new Error(`registry: cannot run ${spec.name} on ${spec.bind}: ${(error as Error).message}`);
  }
  await waitForRegistry(docker, spec, 30_000);
  log(`registry: ${spec.name} answering on ${spec.bind} after ${secondsSince(started)} s`);
}

/** What infra reads of Docker's container inspect answer. */
const containerInspectSchema = z.object({
  Image: z.string(),
  Args: z.array(z.string()).nullish(),
  State: z.object({ Running: z.boolean() }),
  HostConfig: z.object({
    PortBindings: z.record(z.array(z.object({ HostIp: z.string(), HostPort: z.string() })).nullable()).nullish(),
  }),
});

async function inspectContainer(
  docker: Docker,
  name: string,
): Promise<{ running: boolean; imageId: string; ports: string; config: string } | undefined> {
  let raw: unknown;
  try {
    raw = await docker.getContainer(name).inspect();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  const info = containerInspectSchema.parse(raw);
  const bindings = Object.values(info.HostConfig.PortBindings ?? {}).flatMap((list) => list ?? []);
  return {
    running: info.State.Running,
    imageId: info.Image,
    ports: bindings.map((b) => `${b.HostIp || '0.0.0.0'}:${b.HostPort}`).sort().join(','),
    config: info.Args?.at(-1) ?? '',
  };
}

const bridgeInspectSchema = z.object({
  IPAM: z.object({ Config: z.array(z.object({ Gateway: z.string().optional() })).nullish() }).nullish(),
  Options: z.record(z.string()).nullish(),
});

/** The default bridge's gateway: what `host-gateway` resolves to inside containers (172.17.0.1). */
async function bridgeGateway(docker: Docker): Promise<string> {
  const network = bridgeInspectSchema.parse(await docker.getNetwork('bridge').inspect());
  const bridgeName = network.Options?.['com.docker.network.bridge.name'] ?? 'docker0';
  const configured = (network.IPAM?.Config ?? []).map((config) => config.Gateway ?? '').find((address) => /^\d+\.\d+\.\d+\.\d+$/.test(address));
  if (configured) return configured;
  // The default bridge usually has no Gateway in its IPAM config: read the bridge interface (down
  // while no container runs, so not in os.networkInterfaces()).
  const shown = await runCommand('ip', ['-4', '-o', 'addr', 'show', 'dev', bridgeName || 'docker0'], { allowFailure: true });
  const address = /\binet (\d+\.\d+\.\d+\.\d+)\//.exec(shown.stdout)?.[1];
  if (!address) throw new Error(`cannot find the address of Docker's default bridge (${bridgeName})`);
  return address;
}

async function waitForRegistry(docker: Docker, spec: RegistryContainerSpec, timeoutMs: number): Promise<void> {
  const url = `http://${spec.bind}/v2/`;
  let lastError = '';
  const answered = await waitUntil(
    async () => {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
        if (response.ok) return true;
        lastError = `HTTP ${response.status}`;
      } catch (error) {
        lastError = (error as Error).message;
      }
      return false;
    },
    { timeoutMs, intervalMs: 200 },
  );
  if (answered) return;
  const logs = await docker
    .getContainer(spec.name)
    .logs({ stdout: true, stderr: true, tail: 15 })
    .then((buffer) => buffer.toString('utf8'), (error: Error) => `(no logs: ${error.message})`);
  throw new Error(`registry: ${url} (${spec.name}) did not answer within ${timeoutMs / 1000} s (${lastError}).\n${logs}`.trim());
}
