import { dockyardLabels, labelArgs } from '../lib/dockyard-labels.js';
import { inspectImages } from '../lib/inspect-images.js';
import { removeIfDangling } from '../lib/remove-if-dangling.js';
import { runCommand } from '../lib/run-command.js';
import { secondsSince } from '../lib/start-heartbeat.js';
import { DEFAULT_REGISTRY_PORT, REGISTRY_CONTAINER, REGISTRY_IMAGE, REGISTRY_VOLUME } from './registry-names.js';

export { pushServedImages } from './push-served-images.js';

export interface RegistryMirrorOptions {
  /** Host port of the registry (default 5000). */
  port?: number;
  /**
   * Host addresses the port is published on. Default: 127.0.0.1 (the host pushes there; Docker
   * treats it as an insecure registry without configuration) and the default bridge's gateway
   * (172.17.0.1, what `host-gateway` resolves to in sandboxes). Not the outside interfaces.
   */
  bindAddresses?: string[];
}

const ROLE = 'registry';

/**
 * Runs the local registry mirror (container `dockyard-registry`, data in the named volume
 * `dockyard-registry-data`, restart unless-stopped) unless it already runs from the current image
 * with the same ports, and waits until http://127.0.0.1:PORT/v2/ answers.
 */
export async function ensureRegistryMirror(log: (line: string) => void, options: RegistryMirrorOptions = {}): Promise<void> {
  const port = options.port ?? DEFAULT_REGISTRY_PORT;
  const bindAddresses = options.bindAddresses ?? ['127.0.0.1', await bridgeGateway()];
  const image = (await inspectImages([REGISTRY_IMAGE])).get(REGISTRY_IMAGE);
  if (!image) throw new Error(`${REGISTRY_IMAGE} is missing: build the catalog images first`);

  const wantedPorts = bindAddresses.map((address) => `${address}:${port}`).sort().join(',');
  const current = await inspectContainer();
  if (current && (current.imageId !== image.id || current.ports !== wantedPorts)) {
    log(`registry: replacing ${REGISTRY_CONTAINER} (${current.imageId !== image.id ? 'image rebuilt' : `ports ${current.ports}`})`);
    await runCommand('docker', ['rm', '-f', REGISTRY_CONTAINER]);
    if (current.imageId !== image.id) await removeIfDangling(log, current.imageId);
  } else if (current?.running) {
    await waitForRegistry(port, 10_000);
    log(`registry: ${REGISTRY_CONTAINER} running on ${wantedPorts}`);
    return;
  } else if (current) {
    log(`registry: starting ${REGISTRY_CONTAINER}`);
    await runCommand('docker', ['start', REGISTRY_CONTAINER]);
    await waitForRegistry(port, 30_000);
    log(`registry: answering on ${wantedPorts}`);
    return;
  }

  const volume = await runCommand('docker', ['volume', 'inspect', REGISTRY_VOLUME], { allowFailure: true });
  if (volume.code !== 0) {
    await runCommand('docker', ['volume', 'create', ...labelArgs(dockyardLabels(ROLE)), REGISTRY_VOLUME]);
    log(`registry: created volume ${REGISTRY_VOLUME}`);
  }
  const started = Date.now();
  await runCommand('docker', [
    'run', '-d',
    '--name', REGISTRY_CONTAINER,
    '--restart', 'unless-stopped',
    ...labelArgs(dockyardLabels(ROLE)),
    '--log-opt', 'max-size=10m', '--log-opt', 'max-file=2',
    '-v', `${REGISTRY_VOLUME}:/var/lib/docker-registry`,
    ...bindAddresses.flatMap((address) => ['-p', `${address}:${port}:5000`]),
    REGISTRY_IMAGE,
  ]);
  await waitForRegistry(port, 30_000);
  log(`registry: ${REGISTRY_CONTAINER} answering on ${wantedPorts} after ${secondsSince(started)} s`);
}

async function inspectContainer(): Promise<{ running: boolean; imageId: string; ports: string } | undefined> {
  const result = await runCommand('docker', ['container', 'inspect', REGISTRY_CONTAINER], { allowFailure: true });
  if (result.code !== 0) return undefined;
  const [info] = JSON.parse(result.stdout) as Array<{
    Image: string;
    State: { Running: boolean };
    HostConfig: { PortBindings?: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null };
  }>;
  if (!info) return undefined;
  const bindings = Object.values(info.HostConfig.PortBindings ?? {}).flatMap((list) => list ?? []);
  return {
    running: info.State.Running,
    imageId: info.Image,
    ports: bindings.map((b) => `${b.HostIp || '0.0.0.0'}:${b.HostPort}`).sort().join(','),
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

async function waitForRegistry(port: number, timeoutMs: number): Promise<void> {
  const started = Date.now();
  let lastError = '';
  while (Date.now() - started < timeoutMs) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/v2/`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
      lastError = `HTTP ${response.status}`;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const logs = await runCommand('docker', ['logs', '--tail', '15', REGISTRY_CONTAINER], { allowFailure: true });
  throw new Error(
    `registry: http://127.0.0.1:${port}/v2/ did not answer within ${timeoutMs / 1000} s (${lastError}).\n` +
      `${logs.stdout}${logs.stderr}`.trim(),
  );
}
