import { describe, expect, it } from 'vitest';
import { firewallChains, sandboxFirewallRules } from './sandbox-firewall-rules.js';

const facts = { mirror: { address: '172.17.0.1', port: 5000 }, resolvers: ['10.255.255.53'], localSubnets: ['192.0.2.0/24'] };
const forward = () => sandboxFirewallRules(facts).filter((r) => r.args[1] === 'DOCKYARD-SBX-FWD').map((r) => r.args.slice(2).join(' '));

describe('sandbox firewall rules', () => {
  it('lets a sandbox reach the mirror only through the address it is published on, before any drop', () => {
    const rules = forward();
    const mirror = rules.findIndex((r) => r.includes('--ctorigdst 172.17.0.1 --ctorigdstport 5000 -j ACCEPT'));
    const closed = rules.findIndex((r) => r.includes('-d 0.0.0.0/8') && r.endsWith('-j DROP'));
    expect(mirror).toBeGreaterThanOrEqual(0);
    expect(mirror).toBeLessThan(closed);
  });

  it('closes private ranges, loopback, link-local and the host LAN, and accepts only what is left', () => {
    const closed = forward().find((r) => r.endsWith('-j DROP') && r.includes('10.0.0.0/8'))!;
    for (const range of ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '169.254.0.0/16', '192.0.2.0/24']) expect(closed).toContain(range);
    expect(forward().at(-1)).toBe('-i dyk+ -j ACCEPT');
    expect(forward()).toContain('-o dyk+ -j DROP');
  });

  it('answers DNS only on the resolvers, and nothing on the host itself but replies', () => {
    expect(forward()).toContain('-i dyk+ -d 10.255.255.53 -p udp --dport 53 -j ACCEPT');
    const input = sandboxFirewallRules(facts).filter((r) => r.args[1] === 'DOCKYARD-SBX-IN').map((r) => r.args.slice(2).join(' '));
    expect(input[0]).toContain('RELATED,ESTABLISHED -j ACCEPT');
    expect(input.at(-1)).toBe('-j DROP');
    expect(input.some((r) => r.includes('ACCEPT') && !r.includes('ESTABLISHED'))).toBe(false);
  });

  it('drops all IPv6 of sandboxes and never DNATs loopback for them', () => {
    const rules = sandboxFirewallRules(facts);
    expect(rules.filter((r) => r.family === 6).every((r) => r.args.at(-1) === 'DROP')).toBe(true);
    expect(rules.find((r) => r.table === 'nat' && r.args[1] === 'DOCKYARD-SBX-PRE')?.args.join(' ')).toContain('-d 127.0.0.0/8 -j RETURN');
  });

  it('drops forged sources from sandbox bridges before routing: reverse path first, then only the sandbox ranges', () => {
    const chain = firewallChains.find((c) => c.chain === 'DOCKYARD-SBX-SRC')!;
    expect(chain).toMatchObject({ family: 4, table: 'raw', from: 'PREROUTING', match: ['-i', 'dyk+'] });
    const rules = sandboxFirewallRules(facts).filter((r) => r.args[1] === 'DOCKYARD-SBX-SRC').map((r) => r.args.slice(2).join(' '));
    expect(rules[0]).toBe('-m rpfilter --invert -j DROP');
    expect(rules.slice(1, -1)).toEqual(['-s 10.216.0.0/16 -j RETURN', '-s 10.215.0.1/24 -j RETURN']);
    expect(rules.at(-1)).toBe('-j DROP');
  });
});
