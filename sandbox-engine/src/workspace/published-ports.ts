import type { SandboxDriver } from '../drivers/sandbox-driver.js';

export interface PortMapping {
  hostPort: number;
  container: string;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

/** `docker ps --format '{{.Names}}\t{{.Ports}}'` → one mapping per host port (IPv4 and IPv6 lines merged). */
export function parsePublishedPorts(output: string): PortMapping[] {
  const byHostPort = new Map<string, PortMapping>();
  for (const line of output.split('\n')) {
    const [container, ports] = line.split('\t');
    if (!container || !ports) continue;
    for (const match of ports.matchAll(/:(\d+)->(\d+)\/(tcp|udp)/g)) {
      const mapping: PortMapping = { hostPort: Number(match[1]), container, containerPort: Number(match[2]), protocol: match[3] as 'tcp' | 'udp' };
      byHostPort.set(`${mapping.hostPort}/${mapping.protocol}`, mapping);
    }
  }
  return [...byHostPort.values()].sort((a, b) => a.hostPort - b.hostPort);
}

/** One listing at a time per sandbox: pages asking together share it. */
const inFlight = new Map<string, Promise<PortMapping[]>>();

/**
 * The ports containers publish on the sandbox host right now. What `docker ps` prints is bounded
 * (64 KiB kept, the command stopped past 512 KiB): the learner owns that binary and may make it
 * print without end.
 */
export function listPublishedPorts(driver: SandboxDriver, containerId: string): Promise<PortMapping[]> {
  const running = inFlight.get(containerId);
  if (running) return running;
  const listing = driver
    .exec(containerId, ['docker', 'ps', '--format', '{{.Names}}\t{{.Ports}}'], { timeoutMs: 10_000, maxOutputChars: 64 * 1024 })
    .then((result) => (result.exitCode === 0 ? parsePublishedPorts(result.stdout) : []))
    .finally(() => inFlight.delete(containerId));
  inFlight.set(containerId, listing);
  return listing;
}
