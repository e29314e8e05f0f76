import { runCommand } from '../../sandbox-engine/src/process/run-command.js';
import { firewallChains, sandboxFirewallRules, type SandboxFirewallFacts } from './sandbox-firewall-rules.js';

const tool = (family: 4 | 6) => (family === 4 ? 'iptables' : 'ip6tables');
const run = (family: 4 | 6, table: string, args: string[]) => runCommand(tool(family), ['-w', '-t', table, ...args], { allowFailure: true });

/**
 * Installs the sandbox firewall (rules in sandbox-firewall-rules.ts): our chains are created or
 * emptied and filled again, and each is jumped to from the top of its built-in chain. Idempotent;
 * the host engine's own chains (DOCKER, DOCKER-USER…) are never touched.
 */
export async function ensureSandboxFirewall(log: (line: string) => void, facts: SandboxFirewallFacts): Promise<void> {
  for (const { family, table, chain } of firewallChains) {
    if ((await run(family, table, ['-N', chain])).code !== 0) await must(family, table, ['-F', chain]);
  }
  for (const rule of sandboxFirewallRules(facts)) await must(rule.family, rule.table, rule.args);
  for (const { family, table, chain, from, match } of firewallChains) {
    // At the top, so the host engine's ACCEPT rules never come first. A dockerd started after the
    // last setup puts its own jumps above ours: then ours is moved back up.
    const listed = await run(family, table, ['-S', from]);
    const first = listed.stdout.split('\n').find((line) => line.startsWith(`-A ${from} `));
    if (first !== ['-A', from, ...match, '-j', chain].join(' ')) {
      while ((await run(family, table, ['-D', from, ...match, '-j', chain])).code === 0);
      await must(family, table, ['-I', from, '1', ...match, '-j', chain]);
    }
  }
  log(`sandbox firewall: ${sandboxFirewallRules(facts).length} rules (mirror ${facts.mirror.address}:${facts.mirror.port}, DNS ${facts.resolvers.join(' ')}, LAN closed: ${facts.localSubnets.join(' ') || 'none'})`);
}

/** Removes every rule and chain ensureSandboxFirewall made. */
export async function removeSandboxFirewall(): Promise<void> {
  for (const { family, table, chain, from, match } of firewallChains) {
    while ((await run(family, table, ['-D', from, ...match, '-j', chain])).code === 0);
    await run(family, table, ['-F', chain]);
    await run(family, table, ['-X', chain]);
  }
}

async function must(family: 4 | 6, table: string, args: string[]): Promise<void> {
  const result = await run(family, table, args);
  if (result.code !== 0) throw new Error(`${tool(family)} -t ${table} ${args.join(' ')}: ${result.stderr.trim()}`);
}

/** Subnets the host is attached to, except Docker bridges (sandboxes are handled by the rules themselves). */
export async function hostLocalSubnets(): Promise<string[]> {
  const routes = await runCommand('ip', ['-4', 'route', 'show', 'proto', 'kernel', 'scope', 'link']);
  return routes.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((parts) => parts[0] && parts[1] === 'dev' && !/^(docker0|br-|dyk|veth)/.test(parts[2] ?? ''))
    .map((parts) => parts[0]!)
    .filter((subnet) => /^\d+(\.\d+){3}(\/\d+)?$/.test(subnet));
}
