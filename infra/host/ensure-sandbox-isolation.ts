import Docker from 'dockerode';
import type { Config } from '../../sandbox-engine/src/config/config-schema.js';
import { mirrorAddress, sandboxResolvers } from '../../sandbox-engine/src/isolation/host-network-facts.js';
import { CgroupV1Delegation } from '../../sandbox-engine/src/isolation/cgroup-v1-delegation.js';
import { ensureHostLimits } from './ensure-host-limits.js';
import { ensureSandboxDaemon } from './ensure-sandbox-daemon.js';
import { ensureSandboxFirewall, hostLocalSubnets } from './sandbox-firewall.js';

/**
 * The default isolation (userns): the platform's user-namespaced sandbox daemon with the sandbox
 * image, and the firewall that keeps sandboxes off the host. Trusted isolation needs neither, and
 * says so loudly.
 */
export async function ensureSandboxIsolation(log: (line: string) => void, config: Config): Promise<void> {
  if (config.SANDBOX_ISOLATION === 'trusted') {
    log('WARNING: SANDBOX_ISOLATION=trusted: sandboxes run on the host engine without a user namespace; root in a sandbox can become root on this host. One trusted user only.');
    return;
  }
  ensureHostLimits(log, config.DOCKYARD_DATA_DIR);
  if (!CgroupV1Delegation.available()) log('sandbox isolation: cgroup v2 host: runc delegates the sandboxes\' cgroups itself (untested here)');
  await ensureSandboxDaemon(log, {
    socket: config.SANDBOX_DOCKER_SOCKET,
    dataDir: config.DOCKYARD_DATA_DIR,
    catalogSocket: config.DOCKER_SOCKET,
    images: [config.SANDBOX_IMAGE],
  });
  const catalog = new Docker({ socketPath: config.DOCKER_SOCKET });
  await ensureSandboxFirewall(log, {
    mirror: { address: await mirrorAddress(catalog), port: config.REGISTRY_PORT },
    resolvers: await sandboxResolvers(),
    localSubnets: await hostLocalSubnets(),
  });
}
