import { sandboxDaemonLayout } from '../../sandbox-engine/src/isolation/sandbox-daemon-layout.js';

export interface SandboxFirewallFacts {
  /** Where sandboxes reach the read-only registry mirror (the host engine DNATs it to the registry). */
  mirror: { address: string; port: number };
  /** DNS servers sandboxes may ask. */
  resolvers: string[];
  /** Subnets the host is directly attached to (its LAN): closed to sandboxes. */
  localSubnets: string[];
}

/** One iptables/ip6tables invocation: the table, and the arguments after `-t TABLE`. */
export interface FirewallRule {
  family: 4 | 6;
  table: 'raw' | 'filter' | 'nat';
  args: string[];
}

/** Our chains; each is jumped to from one built-in chain. */
export const firewallChains = [
  { family: 4, table: 'raw', chain: 'DOCKYARD-SBX-SRC', from: 'PREROUTING', match: ['-i', 'dyk+'] },
  { family: 4, table: 'filter', chain: 'DOCKYARD-SBX-FWD', from: 'FORWARD', match: [] },
  { family: 4, table: 'filter', chain: 'DOCKYARD-SBX-IN', from: 'INPUT', match: ['-i', 'dyk+'] },
  { family: 4, table: 'nat', chain: 'DOCKYARD-SBX-PRE', from: 'PREROUTING', match: ['-i', 'dyk+'] },
  { family: 4, table: 'nat', chain: 'DOCKYARD-SBX-POST', from: 'POSTROUTING', match: [] },
  { family: 6, table: 'filter', chain: 'DOCKYARD-SBX-FWD6', from: 'FORWARD', match: [] },
  { family: 6, table: 'filter', chain: 'DOCKYARD-SBX-IN6', from: 'INPUT', match: ['-i', 'dyk+'] },
] as const;

/** Never reachable from a sandbox (besides the exceptions above them): private, loopback, link-local, multicast. */
const CLOSED_RANGES = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16', '224.0.0.0/3'];

/** The only sources a sandbox bridge may send from: sandbox networks, and the daemon's default bridge. */
const sandboxSourceRanges = [sandboxDaemonLayout.pool.base, sandboxDaemonLayout.bridgeCidr];

/**
 * The rules that keep sandboxes (bridges `dyk+`) and their inner containers away from the host:
 * - forged sources (raw PREROUTING, before routing and conntrack, so for the host and through it):
 *   a packet must come from the sandbox ranges, and from the bridge its source is routed to (strict
 *   reverse path, per packet, whatever the interfaces' rp_filter sysctls): no reflection with a
 *   victim's address, no other sandbox's address, no inner container left un-NATed;
 * - to the host itself (INPUT): only replies to connections the host opened (the preview proxy);
 *   new TCP connections are reset, the rest dropped: the engine, the preview server, the push
 *   registry, sshd… are closed;
 * - loopback addresses are never DNATed for them (Docker 20.10 DNATs ports published on 127.0.0.1
 *   for every interface but docker0, moby#45610);
 * - through the host (FORWARD): the mirror (only connections made to its published address), DNS,
 *   then nothing private, loopback, link-local or on the host's LAN, and no new connection into a
 *   sandbox; other sandboxes are on private addresses, so they are closed to each other;
 * - what is left is the public internet (Debian's package mirror for `apt-get` in lessons), NATed;
 * - IPv6: nothing (sandbox networks have none; a learner who turns it on in their netns is dropped).
 */
export function sandboxFirewallRules(facts: SandboxFirewallFacts): FirewallRule[] {
  const rules: FirewallRule[] = [];
  const add = (family: 4 | 6, table: FirewallRule['table'], chain: string, ...args: string[]) => rules.push({ family, table, args: ['-A', chain, ...args] });
  const source = (...args: string[]) => add(4, 'raw', 'DOCKYARD-SBX-SRC', ...args);
  source('-m', 'rpfilter', '--invert', '-j', 'DROP');
  for (const range of sandboxSourceRanges) source('-s', range, '-j', 'RETURN');
  source('-j', 'DROP');

  const fwd = (...args: string[]) => add(4, 'filter', 'DOCKYARD-SBX-FWD', ...args);
  const established = ['-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED'];

  fwd('-o', 'dyk+', ...established, '-j', 'ACCEPT');
  fwd('-o', 'dyk+', '-j', 'DROP');
  fwd('-i', 'dyk+', ...established, '-j', 'ACCEPT');
  fwd('-i', 'dyk+', '-p', 'tcp', '-m', 'conntrack', '--ctstate', 'DNAT', '--ctorigdst', facts.mirror.address,
    '--ctorigdstport', String(facts.mirror.port), '-j', 'ACCEPT');
  for (const resolver of facts.resolvers) {
    for (const protocol of ['udp', 'tcp']) fwd('-i', 'dyk+', '-d', resolver, '-p', protocol, '--dport', '53', '-j', 'ACCEPT');
  }
  fwd('-i', 'dyk+', '-d', [...CLOSED_RANGES, ...facts.localSubnets].join(','), '-j', 'DROP');
  fwd('-i', 'dyk+', '-j', 'ACCEPT');

  const input = (...args: string[]) => add(4, 'filter', 'DOCKYARD-SBX-IN', ...args);
  input(...established, '-j', 'ACCEPT');
  input('-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset');
  input('-p', 'udp', '-j', 'REJECT', '--reject-with', 'icmp-port-unreachable');
  input('-j', 'DROP');

  add(4, 'nat', 'DOCKYARD-SBX-PRE', '-d', '127.0.0.0/8', '-j', 'RETURN');
  add(4, 'nat', 'DOCKYARD-SBX-POST', '-s', sandboxDaemonLayout.pool.base, '!', '-o', 'dyk+', '-j', 'MASQUERADE');

  add(6, 'filter', 'DOCKYARD-SBX-FWD6', '-i', 'dyk+', '-j', 'DROP');
  add(6, 'filter', 'DOCKYARD-SBX-FWD6', '-o', 'dyk+', '-j', 'DROP');
  add(6, 'filter', 'DOCKYARD-SBX-IN6', '-j', 'DROP');
  return rules;
}
