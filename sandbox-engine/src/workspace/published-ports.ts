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

/** The ports containers publish on the sandbox host right now. */
export async function listPublishedPorts(driver: SandboxDriver, containerId: string): Promise<PortMapping[]> {
  const result = await driver.exec(containerId, ['docker', 'ps', '--format', '{{.Names}}\t{{.Ports}}'], { timeoutMs: 10_000 });
  if (result.exitCode !== 0) return [];
  return parsePublishedPorts(result.stdout);
}
