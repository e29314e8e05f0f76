import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import type Docker from 'dockerode';
import { z } from 'zod';

const bridgeNetworkSchema = z.object({
  IPAM: z.object({ Config: z.array(z.object({ Gateway: z.string().optional() })).nullish() }),
  Options: z.record(z.string()).nullish(),
});

/**
 * The address sandboxes reach the read-only registry mirror on: the gateway of the host engine's
 * default bridge (172.17.0.1), where `dockyard-registry` publishes its port.
 */
export async function mirrorAddress(catalogDocker: Docker): Promise<string> {
  const network = bridgeNetworkSchema.parse(await catalogDocker.getNetwork('bridge').inspect());
  const configured = (network.IPAM.Config ?? []).map((entry) => entry.Gateway).find((address) => address && /^\d+(\.\d+){3}$/.test(address));
  if (configured) return configured;
  const bridge = network.Options?.['com.docker.network.bridge.name'] ?? 'docker0';
  const address = networkInterfaces()[bridge]?.find((entry) => entry.family === 'IPv4')?.address;
  if (!address) throw new Error(`cannot find the address of Docker's default bridge (${bridge})`);
  return address;
}

/** The host's DNS servers that a sandbox can use (loopback ones cannot be reached from a bridge). */
export async function sandboxResolvers(file = '/etc/resolv.conf'): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const servers = [...text.matchAll(/^\s*nameserver\s+(\d+(?:\.\d+){3})\s*$/gm)].map((match) => match[1]!);
  const usable = servers.filter((address) => !address.startsWith('127.'));
  // Docker's own fallback when the host has none.
  return usable.length > 0 ? usable : ['8.8.8.8', '8.8.4.4'];
}

/** Who root in a user-namespaced daemon's containers is on the host: its data root ends in "/<uid>.<gid>". */
export async function remappedRoot(sandboxDocker: Docker): Promise<{ uid: number; gid: number }> {
  const info = z.object({ DockerRootDir: z.string(), SecurityOptions: z.array(z.string()).nullish() }).parse(await sandboxDocker.info());
  const match = /\/(\d+)\.(\d+)$/.exec(info.DockerRootDir);
  if (!match || !(info.SecurityOptions ?? []).some((option) => option.includes('name=userns'))) {
    throw new Error(`the sandbox daemon does not run with --userns-remap (data root ${info.DockerRootDir}): run "npm start", which starts it`);
  }
  return { uid: Number(match[1]), gid: Number(match[2]) };
}
