/**
 * Where the platform's own Docker daemon for sandboxes lives and which addresses it uses: one
 * place, read by infra (which starts the daemon and its firewall) and by the engine (which
 * creates sandboxes on it). The operator's own Docker Engine is never reconfigured.
 */
export const sandboxDaemonLayout = {
  /** Its API socket (also SANDBOX_DOCKER_SOCKET's default). */
  socket: '/run/dockyard/sandbox-docker.sock',
  execRoot: '/run/dockyard/sandbox-docker-exec',
  pidFile: '/run/dockyard/sandbox-dockerd.pid',
  /** Relative to DOCKYARD_DATA_DIR. */
  dataRootName: 'sandbox-docker',
  logFile: '/var/log/dockyard/sandbox-dockerd.log',
  /** Its default bridge (unused by sandboxes, which get a network each; never docker0). */
  bridge: 'dyk0',
  bridgeCidr: '10.215.0.1/24',
  /** Every sandbox network's bridge is named with this prefix, so `dyk+` matches them all in iptables. */
  bridgePrefix: 'dyk',
  /** Sandbox networks: /28 subnets of this range (4,096 of them). Not 10.213/10.214, the inner daemons' own. */
  pool: { base: '10.216.0.0/16', size: 28 },
} as const;

/** The bridge interface name of a sandbox network (Linux names are at most 15 characters). */
export function sandboxBridgeName(networkName: string, hash: (text: string) => string): string {
  return `${sandboxDaemonLayout.bridgePrefix}-${hash(networkName).slice(0, 11)}`;
}
