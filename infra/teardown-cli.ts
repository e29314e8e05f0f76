import Docker from 'dockerode';
import { loadConfig } from '../sandbox-engine/src/config/load-config.js';
import { CgroupV1Delegation } from '../sandbox-engine/src/isolation/cgroup-v1-delegation.js';
import { XfsStore } from '../sandbox-engine/src/store/xfs-store.js';
import { restoreHostLimits } from './host/ensure-host-limits.js';
import { stopSandboxDaemon } from './host/ensure-sandbox-daemon.js';
import { removeSandboxFirewall } from './host/sandbox-firewall.js';
import { repoRoot } from './prepare-platform.js';
import { runCli } from './lib/run-cli.js';
import { labelKeys, labelFilter } from '../sandbox-engine/src/contracts/docker-labels.js';

/**
 * `npm run teardown`: gives the host back what `npm start` set up (stop the engine first): every
 * sandbox with its clone and cgroups, the sandbox daemon and its bridge, the firewall chains, the
 * store mount. Packages, images, the registry mirror and the data directory stay.
 */
async function main() {
  const config = loadConfig(process.env, repoRoot);
  const log = (line: string) => console.log(line);
  const delegation = new CgroupV1Delegation();
  for (const socket of [config.SANDBOX_DOCKER_SOCKET, config.DOCKER_SOCKET]) {
    const docker = new Docker({ socketPath: socket });
    const containers = await docker.listContainers({ all: true, filters: { label: [labelFilter('managed', 'true')] } }).catch(() => []);
    const sandboxes = containers.filter((c) => ['sandbox', 'seed'].includes(c.Labels[labelKeys.role] ?? ''));
    for (const container of sandboxes) {
      await docker.getContainer(container.Id).remove({ force: true, v: true }).catch(() => undefined);
      const name = (container.Names[0] ?? '').replace(/^\//, '');
      await docker.getNetwork(name).remove().catch(() => undefined);
    }
    if (sandboxes.length > 0) log(`removed ${sandboxes.length} sandbox(es) on ${socket}`);
  }
  for (const name of await delegation.parents()) await delegation.release(name).catch(() => undefined);
  const store = new XfsStore({ storeFile: config.DOCKYARD_STORE_FILE!, sizeGb: config.DOCKYARD_STORE_SIZE_GB, dataDir: config.DOCKYARD_DATA_DIR });
  for (const id of await store.listClones()) await store.releaseClone(id).catch(() => undefined);
  await stopSandboxDaemon(log);
  await removeSandboxFirewall();
  log('sandbox firewall: removed');
  restoreHostLimits(log, config.DOCKYARD_DATA_DIR);
  await store.unmount(store.mountDir);
  log('store: unmounted');
}

runCli('teardown failed', main);
