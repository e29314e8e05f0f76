import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import Docker from 'dockerode';
import type { Engine } from '../../sandbox-engine/src/app/create-engine.js';
import { ForgedSourceWitness, witnessPorts } from './forged-source-witness.js';
import { cpuSeconds, parentPid, sandboxDockerdPid } from './host-process-cpu.js';
import type { LearnerTerminal } from './learner-terminal.js';
import { SandboxOnHost } from './sandbox-on-host.js';
import { engineStallAttacks } from './engine-stall-attacks.js';
import { ipv6LinkAttacks } from './ipv6-link-attacks.js';
import { heldNeighbourAttacks } from './held-neighbour-attacks.js';
import { neighbourTableAttacks } from './neighbour-table-attacks.js';
import { sharedCountAttacks } from './shared-count-attacks.js';
import { waitUntil } from '../support/wait-for.js';

export interface AttackContext {
  engine: Engine;
  url: string;
  attacker: LearnerTerminal;
  attackerHost: SandboxOnHost;
  victim: LearnerTerminal;
  victimHost: SandboxOnHost;
  /** A TCP server of the host's on 0.0.0.0 that counts the connections it accepted. */
  hostListener: { port: number; accepted(): number };
  /** The victim's marker file content, in its /root on its own disk. */
  victimMarker: string;
}

export interface AttackResult {
  succeeded: boolean;
  /** What was read on the host (or seen by the attacker) that decides it. */
  evidence: string;
}

export interface Attack {
  id: string;
  title: string;
  run(context: AttackContext): Promise<AttackResult>;
}

const sysctl = (name: string) => readFileSync(`/proc/sys/${name.replaceAll('.', '/')}`, 'utf8').trim();
const restoreSysctl = (name: string, value: string) => {
  if (sysctl(name) !== value) writeFileSync(`/proc/sys/${name.replaceAll('.', '/')}`, value);
};
/** A string built by the shell from two halves, so the typed command line never contains it whole. */
const split = (text: string) => `"${text.slice(0, 4)}""${text.slice(4)}"`;
const number = (output: string, key: string) => Number(new RegExp(`${key}=(\\d+)`).exec(output)?.[1] ?? NaN);

/** Syscalls that must fail with EPERM, with harmless arguments (NULL pointers): x86-64 numbers. */
const HOST_SYSCALLS: Record<string, [number, string]> = {
  init_module: [175, '0, 0, 0'],
  finit_module: [313, '-1, 0, 0'],
  delete_module: [176, '0, 0'],
  kexec_load: [246, '0, 0, 0, 0'],
  clock_settime: [227, '0, 0'],
  settimeofday: [164, '0, 0'],
  syslog: [103, '3, 0, 0'],
  bpf: [321, '0, 0, 0'],
  perf_event_open: [298, '0, 0, -1, -1, 0'],
  open_by_handle_at: [304, '-100, 0, 0'],
  io_uring_setup: [425, '1, 0'],
  swapon: [167, '0, 0'],
  acct: [163, '0'],
};

/**
 * Sends `count` UDP datagrams with any source address through a raw socket (root in the sandbox has
 * CAP_NET_RAW in its own network namespace): `perl forge.pl SOURCE DESTINATION PORT COUNT LABEL`.
 */
const FORGE_PL = `use strict; use Socket;
my ($src, $dst, $port, $count, $label) = @ARGV;
socket(my $s, PF_INET, SOCK_RAW, 255) or die "raw socket: $!\\n";
my $data = "dockyard-forged-$label";
my $udp = pack("nnnn", 40000, $port, 8 + length($data), 0) . $data;
my $ip = pack("CCnnnCCna4a4", 0x45, 0, 20 + length($udp), 0, 0x4000, 64, 17, 0, inet_aton($src), inet_aton($dst));
my $sent = 0;
for (1 .. $count) { $sent++ if send($s, $ip . $udp, 0, pack_sockaddr_in(0, inet_aton($dst))); }
print "SENT $label $sent\\n";
`;

export const attacks: Attack[] = [
  {
    id: 'core-pattern',
    title: 'host root through /proc/sys/kernel/core_pattern',
    async run({ attacker }) {
      const before = sysctl('kernel.core_pattern');
      try {
        const { output } = await attacker.run(
          `echo '|/tmp/pwn %p' > /proc/sys/kernel/core_pattern; sysctl -w kernel.core_pattern='|/tmp/pwn %p'; mount -o remount,rw /proc/sys; echo '|/tmp/pwn' > /proc/sys/kernel/core_pattern`,
        );
        const after = sysctl('kernel.core_pattern');
        return { succeeded: after !== before, evidence: `host core_pattern ${after === before ? 'unchanged' : `changed to ${after}`}; terminal: ${tail(output)}` };
      } finally {
        restoreSysctl('kernel.core_pattern', before);
      }
    },
  },
  {
    id: 'host-sysctls',
    title: 'host-wide sysctls (sysrq, panic, swappiness, drop_caches)',
    async run({ attacker }) {
      const names = ['kernel.sysrq', 'kernel.panic', 'kernel.dmesg_restrict', 'vm.swappiness', 'vm.overcommit_memory'].filter((name) =>
        existsSync(`/proc/sys/${name.replaceAll('.', '/')}`),
      );
      const before = names.map(sysctl);
      try {
        await attacker.run(
          'sysctl -w kernel.sysrq=1 kernel.panic=77 kernel.dmesg_restrict=0 vm.swappiness=1 vm.overcommit_memory=1; echo 77 > /proc/sys/kernel/panic; echo 3 > /proc/sys/vm/drop_caches',
        );
        const after = names.map(sysctl);
        const changed = names.filter((_, i) => after[i] !== before[i]);
        return { succeeded: changed.length > 0, evidence: changed.length ? `host changed: ${changed.join(', ')}` : `host ${names.join(', ')} unchanged` };
      } finally {
        names.forEach((name, i) => restoreSysctl(name, before[i]!));
      }
    },
  },
  {
    id: 'kernel-log',
    title: "the host's kernel log (other sandboxes' events)",
    async run({ attacker }) {
      const marker = `dyk-kmsg-${randomBytes(4).toString('hex')}`;
      writeFileSync('/dev/kmsg', `${marker}\n`);
      const { output } = await attacker.run(`M=${split(marker)}; echo KMSG_HITS=$( (dmesg; timeout 1 cat /dev/kmsg) 2>/dev/null | grep -c "$M")`);
      const hits = number(output, 'KMSG_HITS');
      return { succeeded: !(hits === 0), evidence: `a marker the host wrote to its kernel log was read ${hits} time(s) in the sandbox` };
    },
  },
  {
    id: 'host-syscalls',
    title: 'modules, kexec, clock, syslog, bpf, perf, open_by_handle_at, io_uring, swap, acct',
    async run({ attacker }) {
      const loadedModules = () => (existsSync('/proc/modules') ? readFileSync('/proc/modules', 'utf8') : '');
      const modules = loadedModules();
      const perl = Object.entries(HOST_SYSCALLS)
        .map(([name, [nr, args]]) => `$!=0; syscall(${nr}, ${args}); print "SYS ${name} ", $!+0, "\\n";`)
        .join(' ');
      const { output } = await attacker.run(`perl -e '${perl}'`);
      const results = [...output.matchAll(/^SYS (\w+) (\d+)/gm)].map((m) => ({ name: m[1]!, errno: Number(m[2]) }));
      const reached = results.filter((r) => r.errno !== 1);
      const unchanged = loadedModules() === modules;
      return {
        succeeded: results.length !== Object.keys(HOST_SYSCALLS).length || reached.length > 0 || !unchanged,
        evidence: reached.length
          ? `reached the kernel (not EPERM): ${reached.map((r) => `${r.name} errno ${r.errno}`).join(', ')}`
          : `all ${results.length} refused with EPERM; host modules ${unchanged ? 'unchanged' : 'changed'}`,
      };
    },
  },
  {
    id: 'devices',
    title: "another learner's disk and the host's disks through devices.allow + mknod",
    async run({ attacker, victimHost, victimMarker, engine }) {
      const victimDisk = SandboxOnHost.loopDeviceOf(`${engine.config.DOCKYARD_DATA_DIR}/mounts/${engine.config.DOCKYARD_INSTANCE}-${victimHost.session.id}`);
      const store = SandboxOnHost.loopDeviceOf(`${engine.config.DOCKYARD_DATA_DIR}/store`);
      const root = statSync('/').dev;
      const targets = [
        ['victim', victimDisk],
        ['store', store],
        ['hostroot', { major: root >> 8, minor: root & 0xff }],
      ] as const;
      const reads = targets
        .filter(([, dev]) => dev)
        .map(([label, dev]) => `mknod /dev/atk-${label} b ${dev!.major} ${dev!.minor}; echo READ_${label}=$(head -c 4194304 /dev/atk-${label} 2>/dev/null | wc -c) HITS_${label}=$(grep -a -c "$M" /dev/atk-${label} 2>/dev/null)`)
        .join('; ');
      const { output } = await attacker.run(`echo 'a *:* rwm' > /sys/fs/cgroup/devices/devices.allow; M=${split(victimMarker)}; ${reads}; rm -f /dev/atk-*`, 120_000);
      const read = targets.filter(([label, dev]) => dev && (number(output, `READ_${label}`) > 0 || number(output, `HITS_${label}`) > 0));
      return {
        succeeded: read.length > 0,
        evidence: read.length
          ? `read from the host: ${read.map(([label]) => `${label} (${number(output, `READ_${label}`)} bytes, marker ${number(output, `HITS_${label}`) || 0}x)`).join(', ')}`
          : `no block device of the host could be read (victim disk ${victimDisk ? `${victimDisk.major}:${victimDisk.minor}` : '?'}, store, host root); the victim's marker was not found`,
      };
    },
  },
  {
    id: 'raise-limits',
    title: 'raise its own memory, pids and CPU limits from inside',
    async run({ attacker, attackerHost }) {
      const read = () => [
        ...attackerHost.readLimit('memory', 'memory.limit_in_bytes'),
        ...attackerHost.readLimit('pids', 'pids.max'),
        ...attackerHost.readLimit('cpu', 'cpu.cfs_quota_us'),
      ];
      const before = read();
      await attacker.run(
        'cd /sys/fs/cgroup; echo -1 > memory/memory.limit_in_bytes; echo -1 > memory/memory.memsw.limit_in_bytes; echo max > pids/pids.max; echo -1 > cpu/cpu.cfs_quota_us; cd /root',
      );
      const after = read();
      return { succeeded: after.join() !== before.join(), evidence: `host limits ${after.join() === before.join() ? 'unchanged' : `changed: ${before.join()} -> ${after.join()}`} (${after.join(', ')})` };
    },
  },
  {
    id: 'cgroup-escape',
    title: 'move a process outside the delegated cgroup subtree; use_hierarchy; new hierarchies',
    async run({ attacker, attackerHost }) {
      const useHierarchy = () => attackerHost.limitDirs('memory').map((dir) => readFileSync(`${dir}/memory.use_hierarchy`, 'utf8').trim());
      const hierarchies = () => readFileSync('/proc/cgroups', 'utf8');
      const before = { useHierarchy: useHierarchy(), hierarchies: hierarchies() };
      await attacker.run(
        [
          'sleep 300 & S=$!',
          'echo 0 > /sys/fs/cgroup/memory/memory.use_hierarchy',
          'echo $S > /sys/fs/cgroup/memory/../cgroup.procs',
          'mkdir -p /tmp/cg /tmp/cg2; mount -t cgroup -o memory cgroup /tmp/cg && echo $S > /tmp/cg/cgroup.procs; echo $S > /tmp/cg/../cgroup.procs',
          'mount -t cgroup -o none,name=dykatk cgroup /tmp/cg2 && mkdir /tmp/cg2/x && echo $S > /tmp/cg2/x/cgroup.procs',
          'mkdir -p /sys/fs/cgroup/memory/escape && echo 0 > /sys/fs/cgroup/memory/escape/memory.use_hierarchy; echo $S > /sys/fs/cgroup/memory/escape/cgroup.procs',
          'umount /tmp/cg /tmp/cg2 2>/dev/null; true',
        ].join('; '),
      );
      const own = attackerHost.cgroupDir('memory').replace('/sys/fs/cgroup/memory', '');
      const outside = attackerHost.processes().filter((pid) => {
        const cgroup = SandboxOnHost.memoryCgroupOf(pid);
        return cgroup !== own && !cgroup.startsWith(`${own}/`);
      });
      const after = { useHierarchy: useHierarchy(), hierarchies: hierarchies() };
      const newHierarchy = after.hierarchies !== before.hierarchies && /dykatk/.test(readFileSync('/proc/self/mountinfo', 'utf8'));
      await attacker.run('kill %1 2>/dev/null; wait 2>/dev/null; true');
      return {
        succeeded: outside.length > 0 || after.useHierarchy.join() !== before.useHierarchy.join() || after.useHierarchy.includes('0') || newHierarchy,
        evidence: `${attackerHost.processes().length} host processes of the sandbox, ${outside.length} outside ${own}; use_hierarchy ${after.useHierarchy.join('/')}; new hierarchy on the host: ${newHierarchy ? 'yes' : 'no'}`,
      };
    },
  },
  {
    id: 'memory-beyond-limit',
    title: "allocate beyond the sandbox's memory limit (after the cgroup tricks)",
    async run({ attacker, attackerHost, engine }) {
      const limit = engine.config.SANDBOX_MEMORY_MB * 1024 * 1024;
      const failBefore = Number(attackerHost.readLimit('memory', 'memory.failcnt').at(-1));
      // `tail` keeps a line that never ends in memory: 1.5x the limit.
      const { output } = await attacker.run(`head -c ${Math.round(limit * 1.5)} /dev/zero | tail -c 1 >/dev/null; echo HOG_EXIT=$?; head -c ${Math.round(limit * 1.5)} /dev/zero | tail >/dev/null; echo HOG2_EXIT=$?`, 120_000);
      const peak = Math.max(...attackerHost.readLimit('memory', 'memory.max_usage_in_bytes').map(Number));
      const failAfter = Number(attackerHost.readLimit('memory', 'memory.failcnt').at(-1));
      return {
        succeeded: peak > limit * 1.02,
        evidence: `peak usage on the host ${(peak / 2 ** 20).toFixed(0)} MiB for a ${(limit / 2 ** 20).toFixed(0)} MiB limit; failcnt ${failBefore} -> ${failAfter}; hog exit ${number(output, 'HOG2_EXIT')}`,
      };
    },
  },
  {
    id: 'fork-bomb',
    title: 'a fork bomb',
    async run({ attacker, attackerHost, engine, url, victim }) {
      const max = Number(attackerHost.readLimit('pids', 'pids.max').at(-1));
      attacker.learner.type(`for i in $(seq ${engine.config.SANDBOX_PIDS * 3}); do sleep 20 & done 2>/dev/null; echo BOMB_DONE\r`);
      let peak = 0;
      let engineAnswered = 0;
      let victimEcho = false;
      const until = Date.now() + 25_000;
      while (Date.now() < until) {
        peak = Math.max(peak, ...attackerHost.readLimit('pids', 'pids.current').map(Number));
        if (await fetch(new URL('/api/health', url), { signal: AbortSignal.timeout(5000) }).then((r) => r.ok, () => false)) engineAnswered += 1;
        if (!victimEcho) victimEcho = (await victim.run('echo victim-$((40+2))', 15_000).then((r) => /victim-42/.test(r.output), () => false));
        if (/BOMB_DONE/.test(attacker.learner.output) && engineAnswered > 3 && victimEcho) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      await attacker.learner.waitForOutput(/BOMB_DONE/, 60_000).catch(() => undefined);
      // The sleeps end by themselves; wait for them so the next attack has its pids back.
      await attacker.run('wait', 60_000).catch(() => undefined);
      return {
        succeeded: peak > max || engineAnswered === 0 || !victimEcho,
        evidence: `pids peaked at ${peak} of ${max} on the host; the engine answered ${engineAnswered} health checks during it; another learner's terminal ${victimEcho ? 'answered' : 'did not answer'}`,
      };
    },
  },
  {
    id: 'disk-fill',
    title: "fill the host's disk from /root, /tmp, /etc/hosts and /var/lib/docker",
    async run({ attacker, attackerHost, engine }) {
      const limit = engine.config.SANDBOX_DISK_GB * 2 ** 30;
      const free = () => {
        const stats = statfsSync('/');
        return stats.bavail * stats.bsize;
      };
      const before = free();
      let lowest = before;
      const watch = setInterval(() => (lowest = Math.min(lowest, free())), 200);
      const count = Math.round((limit * 1.3) / 2 ** 20);
      const { output } = await attacker.run(
        [
          // Not zeros: real data, as a learner's files would be.
          `yes dockyard-fill | dd of=/root/fill bs=1M count=${count} iflag=fullblock 2>&1 | grep -v records`,
          'dd if=/dev/zero of=/tmp/fill bs=1M count=64 2>&1 | grep -v records',
          'dd if=/dev/zero of=/etc/hosts bs=1M count=64 seek=1 2>&1 | grep -v records',
          'docker pull -q debian:bookworm 2>&1 | tail -1',
          'dd if=/dev/zero of=/usr/fill bs=1M count=8 2>&1 | grep -v records',
          'sync',
        ].join('; '),
        180_000,
      );
      // Everything the learner could write is on the host's disk now: measure, then clean up.
      execFileSync('sync');
      lowest = Math.min(lowest, free());
      // The clone file in the store holds all of it (the store may reuse blocks freed earlier, so the
      // host's free space alone can understate what was written).
      const clone = statSync(`${engine.config.DOCKYARD_DATA_DIR}/store/sandboxes/${engine.config.DOCKYARD_INSTANCE}-${attackerHost.session.id}.img`);
      const cloneBytes = clone.blocks * 512;
      await attacker.run('rm -f /root/fill /tmp/fill; truncate -s 200 /etc/hosts; docker rmi -f debian:bookworm >/dev/null 2>&1; fstrim / 2>/dev/null; true', 120_000);
      clearInterval(watch);
      lowest = Math.min(lowest, free());
      const grew = before - lowest;
      const noSpace = /No space left on device/.test(output);
      return {
        succeeded: grew > limit + 256 * 2 ** 20 || cloneBytes > limit || !noSpace,
        evidence: `the sandbox's disk file holds ${(cloneBytes / 2 ** 20).toFixed(0)} MiB for a ${(limit / 2 ** 20).toFixed(0)} MiB limit; host free space fell by at most ${(grew / 2 ** 20).toFixed(0)} MiB; the learner got ${noSpace ? '"No space left on device"' : 'no ENOSPC'}`,
      };
    },
  },
  {
    id: 'network',
    title: "the engine, preview, push registry, host ports and other sandboxes over the network",
    async run({ attacker, attackerHost, victimHost, engine, hostListener }) {
      const port = (server: { address(): unknown }) => (server.address() as { port: number }).port;
      const gateway = attackerHost.address.replace(/\.\d+$/, '.1');
      const hostAddresses = Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal && !a.address.startsWith('10.21')).map((a) => a!.address);
      const targets: Array<[string, string, number]> = [];
      for (const address of [gateway, '127.0.0.1', ...hostAddresses]) {
        targets.push([`engine@${address}`, address, port(engine.httpServer)], [`preview@${address}`, address, port(engine.previewServer)]);
        targets.push([`host-port@${address}`, address, hostListener.port], [`registry-push@${address}`, address, engine.config.REGISTRY_PORT]);
      }
      // The mirror's published address:port is the one allowed exception (checked below to answer).
      const mirrorAddress = readFileSync(`${engine.config.DOCKYARD_DATA_DIR}/mounts/${engine.config.DOCKYARD_INSTANCE}-${attackerHost.session.id}/etc/hosts`, 'utf8').match(/^(\S+)\s+mirror\.dockyard$/m)?.[1];
      for (let i = targets.length - 1; i >= 0; i--) if (targets[i]![1] === mirrorAddress && targets[i]![2] === engine.config.REGISTRY_PORT) targets.splice(i, 1);
      targets.push([`victim-sandbox`, victimHost.address, 7777]);
      const probe = (label: string, address: string, p: number) => `timeout 3 bash -c 'exec 3<>/dev/tcp/${address}/${p}' 2>/dev/null && echo "NET ${label} OPEN" || echo "NET ${label} CLOSED"`;
      const script = targets.map(([label, address, p]) => probe(label, address, p)).join('; ');
      const mirror = `curl -s -m 5 -o /dev/null -w 'MIRROR=%{http_code}\\n' http://mirror.dockyard:${engine.config.REGISTRY_PORT}/v2/`;
      const acceptedBefore = hostListener.accepted();
      const fromSandbox = await attacker.run(`${script}; ${mirror}`, 180_000);
      const inner = targets.map(([label, address, p]) => probe(`inner-${label}`, address, p)).join('; ');
      const fromInner = await attacker.run(`docker run --rm --entrypoint bash postgres:15 -c "${inner.replaceAll('"', '\\"')}"`, 180_000);
      const open = [...`${fromSandbox.output}\n${fromInner.output}`.matchAll(/^NET (\S+) OPEN/gm)].map((m) => m[1]!);
      const accepted = hostListener.accepted() - acceptedBefore;
      const mirrorOk = /MIRROR=200/.test(fromSandbox.output);
      return {
        succeeded: open.length > 0 || accepted > 0,
        evidence: `${targets.length * 2} connections tried (sandbox and inner container): ${open.length ? `OPEN: ${open.join(', ')}` : 'all closed'}; the host listener accepted ${accepted}; the read-only mirror ${mirrorOk ? 'answered 200 (as it must)' : 'did not answer'}`,
      };
    },
  },
  {
    id: 'poison-images',
    title: 'poison what the next learner receives: the mirror and the seed',
    async run({ attacker, victim, engine }) {
      const manifest = () =>
        execFileSync('curl', ['-s', '-H', 'Accept: application/vnd.docker.distribution.manifest.v2+json', `http://127.0.0.1:${engine.config.REGISTRY_PORT}/v2/library/postgres/manifests/15`]).toString();
      const before = manifest();
      const binary = 'find /var/lib/docker/overlay2 -path "*/diff/usr/lib/postgresql/15/bin/postgres" 2>/dev/null | head -1';
      const victimBefore = await victim.run(`md5sum $(${binary}) | cut -c1-32 | sed 's/^/SUM=/'`);
      await attacker.run(
        [
          `F=$(${binary}); [ -n "$F" ] && echo pwned > "$F"`,
          `docker run --name evil postgres:15 touch /pwned; docker commit evil mirror.dockyard:${engine.config.REGISTRY_PORT}/library/postgres:15 >/dev/null`,
          `docker push mirror.dockyard:${engine.config.REGISTRY_PORT}/library/postgres:15 2>&1 | tail -2; docker rm -f evil >/dev/null`,
        ].join('; '),
        180_000,
      );
      const victimAfter = await victim.run(`md5sum $(${binary}) | cut -c1-32 | sed 's/^/SUM=/'`);
      const sum = (output: string) => /SUM=([0-9a-f]{32})/.exec(output)?.[1];
      const mirrorChanged = manifest() !== before;
      const seedShared = sum(victimBefore.output) !== sum(victimAfter.output);
      return {
        succeeded: mirrorChanged || seedShared || !sum(victimAfter.output),
        evidence: `mirror's postgres:15 manifest ${mirrorChanged ? 'CHANGED' : 'unchanged'} (read on the host); a layer file changed in the attacker's sandbox is ${seedShared ? 'CHANGED' : 'unchanged'} in another learner's`,
      };
    },
  },
  {
    id: 'forged-source',
    title: 'packets with forged source addresses (reflection through the host; another sandbox\'s address; an inner container)',
    async run({ attacker, victimHost }) {
      await using witness = await ForgedSourceWitness.open();
      const forge = (source: string, port: number, label: string) => `perl /tmp/forge.pl ${source} ${witness.address} ${port} 20 ${label}`;
      const icmpBefore = witness.icmpUnreachables();
      const { output } = await attacker.run(
        [
          `echo ${Buffer.from(FORGE_PL).toString('base64')} | base64 -d > /tmp/forge.pl`,
          // A victim's address, towards a host out there (what a reflection through DNS would use).
          forge('203.0.113.77', witnessPorts.forged, 'public'),
          // Another learner's sandbox: the answers would go to it.
          forge(victimHost.address, witnessPorts.otherSandbox, 'sandbox'),
          // To the host itself, as if from the witness: the host's "port unreachable" would go to it.
          `G=$(ip -4 route show default | cut -d' ' -f3); perl /tmp/forge.pl ${witness.address} $G 9 20 host`,
          `docker run --rm -v /tmp/forge.pl:/forge.pl:ro --entrypoint perl postgres:15 /forge.pl 203.0.113.77 ${witness.address} ${witnessPorts.innerContainer} 20 inner`,
          // Last, the sandbox's own packets: when they have arrived, everything sent before would have.
          `for i in 1 2 3; do echo genuine > /dev/udp/${witness.address}/${witnessPorts.genuine}; done; echo GENUINE-$((6*7))`,
        ].join('; '),
        180_000,
      );
      const sent = Object.fromEntries([...output.matchAll(/^SENT (\w+) (\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
      if (!/GENUINE-42/.test(output)) throw new Error(`the attack did not run: ${tail(output)}`);
      await waitUntil("the sandbox's own packets at the witness (the path works)", () => witness.packets(witnessPorts.genuine).length > 0, 20_000);
      const forged = witness.packets(witnessPorts.forged);
      const otherSandbox = witness.packets(witnessPorts.otherSandbox);
      const inner = witness.packets(witnessPorts.innerContainer);
      const reflected = witness.icmpUnreachables() - icmpBefore;
      const arrived = (sources: string[]) => (sources.length ? `${sources.length} arrived (from ${[...new Set(sources)].join(', ')})` : '0 arrived');
      return {
        succeeded: forged.length + otherSandbox.length + inner.length + reflected > 0,
        evidence:
          `raw UDP with source 203.0.113.77: ${sent.public ?? 0} sent, ${arrived(forged)}; with the other sandbox's address ${victimHost.address}: ${sent.sandbox ?? 0} sent, ${arrived(otherSandbox)}; ` +
          `from an inner container: ${sent.inner ?? 0} sent, ${arrived(inner)}; to the host as the witness: ${sent.host ?? 0} sent, ${reflected} ICMP unreachable reflected; ` +
          `the sandbox's own packets: ${witness.packets(witnessPorts.genuine).length} of 3 arrived (from ${witness.packets(witnessPorts.genuine)[0]})`,
      };
    },
  },
  {
    id: 'log-flood',
    title: "flood the container's log (stdout of PID 1 and the entrypoint): CPU of the sandbox daemon, outside the sandbox's limit",
    async run({ attacker, attackerHost, engine }) {
      const socket = engine.config.SANDBOX_ISOLATION === 'userns' ? engine.config.SANDBOX_DOCKER_SOCKET : engine.config.DOCKER_SOCKET;
      const info = await new Docker({ socketPath: socket }).getContainer(attackerHost.session.containerId).inspect();
      const logSize = () => (info.LogPath && existsSync(info.LogPath) ? statSync(info.LogPath).size : 0);
      const daemon = sandboxDockerdPid(engine.config);
      const shim = parentPid(attackerHost.pid);
      const daemonCpu = () => cpuSeconds(daemon) + cpuSeconds(shim);
      const sandboxCpu = () => Math.max(...attackerHost.readLimit('cpuacct', 'cpuacct.usage').map(Number)) / 1e9;
      const before = { log: logSize(), daemon: daemonCpu(), sandbox: sandboxCpu() };
      const seconds = 15;
      const { output } = await attacker.run(
        [
          'E=$(ps -o pid=,args= --ppid 1 | awk \'/dockyard-sandbox-entrypoint/ {print $1; exit}\')',
          `for t in /proc/1/fd/1 /proc/1/fd/2 /proc/$E/fd/1 /proc/$E/fd/2; do timeout ${seconds} sh -c "while :; do yes dockyard-log-flood > $t; done" 2>/dev/null & done`,
          'wait; echo FLOOD-$((6*7))',
        ].join('; '),
        seconds * 1000 + 60_000,
      );
      const after = { log: logSize(), daemon: daemonCpu(), sandbox: sandboxCpu() };
      // The flood may have filled the sandbox's own /var/log (its memory): give it back for the next attacks.
      await attacker.run('for f in /var/log/*.log; do : > "$f"; done 2>/dev/null; true');
      const daemonSpent = after.daemon - before.daemon;
      const logGrew = after.log !== before.log;
      return {
        succeeded: !/FLOOD-42/.test(output) || daemonSpent > 2 || logGrew,
        evidence: `${seconds} s of yes into /proc/1/fd/1,2 and the entrypoint's: the sandbox dockerd + shim used ${daemonSpent.toFixed(2)} CPU-s (limit 2), the sandbox itself ${(after.sandbox - before.sandbox).toFixed(2)} CPU-s; the container's json log ${logGrew ? `changed ${before.log} -> ${after.log} bytes` : `unchanged (${after.log} bytes)`}`,
      };
    },
  },
  // Counts one host uid holds for every sandbox: namespaces, inotify, keys, message queues.
  ...sharedCountAttacks,
  // The neighbour (ARP/NDP) tables the kernel keeps once for every network namespace.
  ...neighbourTableAttacks,
  ...heldNeighbourAttacks,
  // IPv6 on the sandbox's own link, to the host.
  ...ipv6LinkAttacks,
  // The engine's thread, through what it runs in a sandbox.
  ...engineStallAttacks,
];

function tail(output: string): string {
  return output.replace(/\s+/g, ' ').trim().slice(-160);
}
