import { dockyardLabels, labelArgs } from '../lib/dockyard-labels.js';
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
export async function ensureRegistryMirror(log: (line: string) => void, options: RegistryMirrorOptions = {}): Promise<void> {
  const port = options.port ?? DEFAULT_REGISTRY_PORT;
  const gateway = options.gatewayAddress ?? (await bridgeGateway());
  const image = (await inspectImages([REGISTRY_IMAGE])).get(REGISTRY_IMAGE);
  if (!image) throw new Error(`${REGISTRY_IMAGE} is missing: build the catalog images first`);

  const volume = await runCommand('docker', ['volume', 'inspect', REGISTRY_VOLUME], { allowFailure: true });
  if (volume.code !== 0) {
    await runCommand('docker', ['volume', 'create', ...labelArgs(dockyardLabels('registry')), REGISTRY_VOLUME]);
    log(`registry: created volume ${REGISTRY_VOLUME}`);
  }
  const specs: RegistryContainerSpec[] = [
    { name: REGISTRY_PUSH_CONTAINER, role: 'registry-push', config: 'config.yml', bind: `127.0.0.1:${port}` },
    { name: REGISTRY_CONTAINER, role: 'registry', config: 'config-readonly.yml', bind: `${gateway}:${port}` },
  ];
  // Outdated containers go first: they may hold the ports the new ones need.
  const oldImages = new Set<string>();
  for (const spec of specs) {
    const current = await inspectContainer(spec.name);
    if (current && (current.imageId !== image.id || current.ports !== spec.bind || current.config !== configPath(spec))) {
      log(`registry: replacing ${spec.name} (${current.imageId !== image.id ? 'image rebuilt' : 'settings changed'})`);
      await runCommand('docker', ['rm', '-f', spec.name]);
      if (current.imageId !== image.id) oldImages.add(current.imageId);
    }
  }
  for (const old of oldImages) await removeIfDangling(log, old);
  for (const spec of specs) await ensureRegistryContainer(log, spec);
}

const configPath = (spec: RegistryContainerSpec) => `/etc/docker/registry/${spec.config}`;

async function ensureRegistryContainer(log: (line: string) => void, spec: RegistryContainerSpec) {
  const started = Date.now();
  const current = await inspectContainer(spec.name);
  if (current?.running) {
    await waitForRegistry(spec, 10_000);
    log(`registry: ${spec.name} running on ${spec.bind}`);
    return;
  } else if (current) {
    await runCommand('docker', ['start', spec.name]);
    await waitForRegistry(spec, 30_000);
    log(`registry: started ${spec.name} on ${spec.bind} in ${secondsSince(started)} s`);
    return;
  }
  const run = await runCommand('docker', [
    'run', '-d',
    '--name', spec.name,
    '--restart', 'unless-stopped',
    ...labelArgs(dockyardLabels(spec.role)),
    '--log-opt', 'max-size=10m', '--log-opt', 'max-file=2',
    '-v', `${REGISTRY_VOLUME}:/var/lib/docker-registry`,
    '-p', `${spec.bind}:5000`,
    REGISTRY_IMAGE, 'serve', configPath(spec),
  ], { allowFailure: true });
  if (run.code !== 0) {
    // Do not leave a created-but-not-started container behind (e.g. the port is taken).
    await runCommand('docker', ['rm', '-f', spec.name], { allowFailure: true });
    throw new Error(`registry: cannot run ${spec.name} on ${spec.bind}: ${run.stderr.trim()}`);
  }
  await waitForRegistry(spec, 30_000);
  log(`registry: ${spec.name} answering on ${spec.bind} after ${secondsSince(started)} s`);
}

async function inspectContainer(
  name: string,
): Promise<{ running: boolean; imageId: string; ports: string; config: string } | undefined> {
  const result = await runCommand('docker', ['container', 'inspect', name], { allowFailure: true });
  if (result.code !== 0) return undefined;
  const [info] = JSON.parse(result.stdout) as Array<{
    Image: string;
    Args?: string[];
    State: { Running: boolean };
    HostConfig: { PortBindings?: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null };
  }>;
  if (!info) return undefined;
  const bindings = Object.values(info.HostConfig.PortBindings ?? {}).flatMap((list) => list ?? []);
  return {
    running: info.State.Running,
    imageId: info.Image,
    ports: bindings.map((b) => `${b.HostIp || '0.0.0.0'}:${b.HostPort}`).sort().join(','),
    config: info.Args?.at(-1) ?? '',
  };
}

/** The default bridge's gateway: what `host-gateway` resolves to inside containers (172.17.0.1). */
async function bridgeGateway(): Promise<string> {
  const result = await runCommand('docker', [
    'network', 'inspect', 'bridge', '--format',
    '{{range .IPAM.Config}}{{.Gateway}} {{end}}|{{index .Options "com.docker.network.bridge.name"}}',
  ]);
  const [gateways = '', bridgeName = 'docker0'] = result.stdout.trim().split('|');
  const configured = gateways.split(/\s+/).find((address) => /^\d+\.\d+\.\d+\.\d+$/.test(address));
  if (configured) return configured;
  // The default bridge usually has no Gateway in its IPAM config: read the bridge interface (down
  // while no container runs, so not in os.networkInterfaces()).
  const shown = await runCommand('ip', ['-4', '-o', 'addr', 'show', 'dev', bridgeName || 'docker0'], { allowFailure: true });
  const address = /\binet (\d+\.\d+\.\d+\.\d+)\//.exec(shown.stdout)?.[1];
  if (!address) throw new Error(`cannot find the address of Docker's default bridge (${bridgeName})`);
  return address;
}

async function waitForRegistry(spec: RegistryContainerSpec, timeoutMs: number): Promise<void> {
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
  const logs = await runCommand('docker', ['logs', '--tail', '15', spec.name], { allowFailure: true });
  throw new Error(
    `registry: ${url} (${spec.name}) did not answer within ${timeoutMs / 1000} s (${lastError}).\n` +
      `${logs.stdout}${logs.stderr}`.trim(),
  );
}
