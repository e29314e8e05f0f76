import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canMakePidsCgroups, ThrowawayPidsCgroup } from '../../../test/support/throwaway-pids-cgroup.js';
import { waitUntil } from '../process/wait-until.js';
import { neighbourCensus, parseCensus } from './neighbour-census.js';

describe('parseCensus', () => {
  it('reads the totals of the last line, what is hidden and the namespaces skipped', () => {
    const output = [
      'HIDDEN 4026532500 a mount path that no longer leads to its namespace',
      'HIDDEN 4026532501 a socket kept only by a memory mapping',
      'NS 4026532186 4',
      'SKIP 4026532290 ip exited 1',
      'NS 4026532300 2',
      'SKIP 4026532400 fork: Resource temporarily unavailable',
      'DONE 7 2 6',
      '',
    ].join('\n');
    expect(parseCensus(output)).toEqual({
      held: 6,
      namespaces: 2,
      threads: 7,
      hidden: [
        { inode: 4026532500, why: 'a mount path that no longer leads to its namespace' },
        { inode: 4026532501, why: 'a socket kept only by a memory mapping' },
      ],
      skipped: [
        { inode: 4026532290, why: 'ip exited 1' },
        { inode: 4026532400, why: 'fork: Resource temporarily unavailable' },
      ],
    });
    expect(parseCensus('DONE 0 0 0')).toEqual({ held: 0, namespaces: 0, threads: 0, hidden: [], skipped: [] });
  });

  it('reads more network namespaces than it counts as hidden, at inode 0', () => {
    const counted = Array.from({ length: 128 }, (_, index) => `NS ${4026532000 + index} 0`);
    const output = ['HIDDEN 0 more network namespaces than 128 (130)', ...counted, 'DONE 3 128 0', ''].join('\n');
    expect(parseCensus(output)).toEqual({ held: 0, namespaces: 128, threads: 3, hidden: [{ inode: 0, why: 'more network namespaces than 128 (130)' }], skipped: [] });
  });

  it.each([
    ['a line it does not know', 'NS 1 2\nhello\nDONE 1 1 2\n'],
    ['a count that is no number', 'NS 1 two\nDONE 1 1 2\n'],
    ['a skip without its reason', 'SKIP 1 \nDONE 1 0 0\n'],
    ['a hidden line without its reason', 'HIDDEN 1 \nDONE 1 0 0\n'],
    ['a reason longer than 200 characters', `HIDDEN 1 ${'x'.repeat(201)}\nDONE 1 0 0\n`],
    ['an inode that is no number', 'HIDDEN -1 gone\nDONE 1 0 0\n'],
    ['a last line with a field missing', 'DONE 1 2\n'],
    ['a line with a carriage return', 'DONE 1 1 2\r\n'],
  ])('throws on %s', (_, output) => {
    expect(() => parseCensus(output)).toThrow('the neighbour census printed an unexpected line');
  });

  it('throws when the last line is missing, or anything comes after it', () => {
    expect(() => parseCensus('')).toThrow('the neighbour census ended without its last line');
    expect(() => parseCensus('NS 1 2\nSKIP 3 gone\n')).toThrow('the neighbour census ended without its last line');
    expect(() => parseCensus('DONE 1 1 2\nDONE 1 1 0\n')).toThrow('the neighbour census printed after its last line: DONE 1 1 0');
    expect(() => parseCensus('DONE 1 1 2\nHIDDEN 5 a mount namespace no thread is in\n')).toThrow('the neighbour census printed after its last line');
    expect(() => parseCensus('DONE 1 1 2\nhello\n')).toThrow('the neighbour census printed after its last line: hello');
  });
});

// Entries as a sandbox's root adds them: 2 PERMANENT + extern_learn + 2 proxies are held (5); the 3
// stale ones and the NOARP one (the kernel reclaims those) are not.
const ENTRIES = [
  'link add dk0 type veth peer name dk1',
  'neigh add 10.9.0.2 lladdr 02:00:00:00:00:02 dev dk0 nud permanent',
  'neigh add 10.9.0.3 lladdr 02:00:00:00:00:03 dev dk0 nud stale',
  'neigh add 10.9.0.4 lladdr 02:00:00:00:00:04 dev dk0 nud noarp',
  'neigh add 10.9.0.6 lladdr 02:00:00:00:00:06 dev dk0 nud stale extern_learn',
  'neigh add 10.9.0.7 lladdr 02:00:00:00:00:07 dev dk1 nud stale',
  'neigh add proxy 10.9.9.9 dev dk0',
  'neigh add proxy 2001:db8::9 dev dk0',
  'neigh add 2001:db8::2 lladdr 02:00:00:00:00:08 dev dk0 nud permanent',
  'neigh add 2001:db8::3 lladdr 02:00:00:00:00:09 dev dk0 nud stale',
];
const HELD = 5;
const COVERED = 'a mount path that no longer leads to its namespace';
/** A script line that adds ENTRIES to the network namespace it runs in. */
const SYSCALLS = process.arch === 'arm64' ? { setns: 268, mmap: 222 } : { setns: 308, mmap: 9 };

/**
 * A Perl program that enters the network namespace on descriptor 5, runs `body` there, comes back,
 * closes both namespace descriptors, says "ready" and waits: whatever `body` made is all that keeps
 * the namespace.
 */
const inNamespaceOn5 = (body: string) => `
  use Socket; use POSIX ();
  $| = 1;
  my ($setns, $newnet) = (${SYSCALLS.setns}, 0x40000000);
  open(my $home, '<', '/proc/self/ns/net') or die "home: $!";
  syscall($setns, 5, $newnet) == 0 or die "setns: $!";
  ${body}
  syscall($setns, fileno($home), $newnet) == 0 or die "setns back: $!";
  close $home; POSIX::close(5);
  print "ready\\n"; sleep 60;`;

const ADD_ENTRIES = `printf '%s\\n' ${ENTRIES.map((entry) => `'${entry}'`).join(' ')} | ip -batch -`;

// Each test makes a sandbox of host processes: a cgroup v1 pids directory of its own, processes
// that join it first, each in a network and a mount namespace of its own (the host's namespaces
// would add the host's entries), and namespaces made with `ip netns add`, removed once held.
describe.skipIf(!canMakePidsCgroups)('neighbourCensus on this host', { timeout: 60_000 }, () => {
  let tag: string;
  let cgroup: ThrowawayPidsCgroup;
  let scratch: string;
  let made: string[];

  beforeEach(() => {
    tag = `dyk-unit-${process.pid}-${randomBytes(4).toString('hex')}`;
    cgroup = new ThrowawayPidsCgroup(tag);
    scratch = mkdtempSync(path.join(tmpdir(), 'dyk-unit-census-'));
    made = [];
  });

  afterEach(async () => {
    await cgroup[Symbol.asyncDispose]();
    for (const name of made) if (existsSync(`/run/netns/${name}`)) execFileSync('ip', ['netns', 'delete', name]);
    rmSync(scratch, { recursive: true, force: true });
  });

  /** A namespace mounted at /run/netns/<name> (with ENTRIES unless `empty`), and its inode. */
  function namespace(suffix: string, { empty = false } = {}): { name: string; inode: number } {
    const name = `${tag}-${suffix}`;
    execFileSync('ip', ['netns', 'add', name]);
    made.push(name);
    if (!empty) execFileSync('ip', ['-n', name, '-batch', '-'], { input: `${ENTRIES.join('\n')}\n` });
    return { name, inode: statSync(`/run/netns/${name}`).ino };
  }

  const netnsOf = (pid: number) => statSync(`/proc/${pid}/ns/net`).ino;
  const nsfs = statSync('/proc/self/ns/net').dev;
  /** The namespaces a process has open as descriptors. */
  const namespaceDescriptors = (pid: number) =>
    readdirSync(`/proc/${pid}/fd`)
      .map((fd) => statSync(`/proc/${pid}/fd/${fd}`))
      .filter((stat) => stat.dev === nsfs)
      .map((stat) => stat.ino);

  it('counts the permanent, flagged and proxy entries of its processes\' namespaces, not the stale or NOARP ones (reclaimed)', async () => {
    const first = await cgroup.start(`${ADD_ENTRIES} && echo ready && exec sleep 60`);
    const empty = await cgroup.start('echo ready && exec sleep 60');
    expect(netnsOf(first)).not.toBe(netnsOf(empty));
    expect(await neighbourCensus(first, tag, 100)).toEqual({ held: HELD, namespaces: 2, threads: 2, hidden: [], skipped: [] });
    // From any of its processes.
    expect((await neighbourCensus(empty, tag, 100)).held).toBe(HELD);
  });

  it("passes over a thread still in the host's network or mount namespace (a runc exec joining, a reused id)", async () => {
    const own = await cgroup.start(`${ADD_ENTRIES} && echo ready && exec sleep 60`);
    // In the host's namespaces: its network namespace and every namespace mounted on the host would count.
    const host = await cgroup.start('echo ready && exec sleep 60', { isolated: false });
    expect(netnsOf(host)).toBe(netnsOf(process.pid));
    expect(await neighbourCensus(own, tag, 100)).toEqual({ held: HELD, namespaces: 1, threads: 2, hidden: [], skipped: [] });
    expect((await neighbourCensus(host, tag, 100)).held).toBe(HELD);
  });

  it('counts a namespace held only by a descriptor opened through a mount since removed', async () => {
    const hidden = namespace('hidden');
    const holder = await cgroup.start('echo ready && exec sleep 60', { before: `exec 4</run/netns/${hidden.name}` });
    execFileSync('ip', ['netns', 'delete', hidden.name]);
    // Its link reads a path (the mount's, gone), not "net:[…]": only the file itself says what it is.
    expect(readlinkSync(`/proc/${holder}/fd/4`)).not.toMatch(/^net:/);
    expect(statSync(`/proc/${holder}/fd/4`).ino).toBe(hidden.inode);
    expect(await neighbourCensus(holder, tag, 100)).toEqual({ held: HELD, namespaces: 2, threads: 1, hidden: [], skipped: [] });
  });

  it('counts a namespace held only by a socket made in it', async () => {
    const hidden = namespace('socket');
    const program = inNamespaceOn5('socket(my $socket, AF_INET, SOCK_DGRAM, 0) or die "socket: $!";');
    const holder = await cgroup.start('exec perl -e "$PROGRAM"', { before: `exec 5</run/netns/${hidden.name}`, env: { PROGRAM: program } });
    execFileSync('ip', ['netns', 'delete', hidden.name]);
    expect(namespaceDescriptors(holder)).toEqual([]);
    expect(netnsOf(holder)).not.toBe(hidden.inode);
    expect(await neighbourCensus(holder, tag, 100)).toEqual({ held: HELD, namespaces: 2, threads: 1, hidden: [], skipped: [] });
  });

  // A namespace bind-mounted in the sandbox's mount namespace, under a directory it then covers
  // (a tmpfs) with something else at the mount's path: mountinfo still lists the mount there.
  describe('a mount whose path then leads elsewhere', () => {
    const covered = async (replace: (mountPoint: string) => string) => {
      const hidden = namespace('mounted');
      // Held on the host, with entries: what a path leading outside the sandbox would reach.
      const decoy = namespace('decoy');
      const dir = path.join(scratch, 'd');
      const mountPoint = path.join(dir, decoy.name);
      const holder = await cgroup.start(
        `mkdir -p ${dir} && touch ${mountPoint} && mount --no-canonicalize --bind /proc/self/fd/5 ${mountPoint} && exec 5<&- && mount -t tmpfs covering ${scratch} && ${replace(mountPoint)} && echo ready && exec sleep 60`,
        { before: `exec 5</run/netns/${hidden.name}` },
      );
      execFileSync('ip', ['netns', 'delete', hidden.name]);
      expect(readFileSync(`/proc/${holder}/mountinfo`, 'utf8')).toContain(` net:[${hidden.inode}] ${mountPoint} `);
      return { holder, hidden, decoy };
    };

    it('does not open a FIFO put there: no hang, and its writer is not woken', async () => {
      // A writer waits in open() until something opens the FIFO for reading.
      const { holder, hidden } = await covered((at) => `mkdir -p ${path.dirname(at)} && mkfifo ${at} && { sh -c 'exec 3>"$1"' sh ${at} & }`);
      const writer = cgroup.processes().find((pid) => pid !== holder) as number;
      const openat = process.arch === 'arm64' ? '56' : '257';
      const proc = (file: string) => {
        try {
          return readFileSync(`/proc/${writer}/${file}`, 'utf8');
        } catch {
          return 'gone';
        }
      };
      const blocked = () => proc('syscall').split(' ')[0] === openat && proc('stat').split(') ')[1]?.startsWith('S ') === true;
      expect(await waitUntil(blocked, { timeoutMs: 5000, intervalMs: 20 })).toBe(true);
      const waiting = proc('syscall');

      expect(await neighbourCensus(holder, tag, 100)).toEqual({ held: 0, namespaces: 1, threads: 2, hidden: [{ inode: hidden.inode, why: COVERED }], skipped: [] });
      // A reader's open would have woken it at once (running, or gone): it still sleeps in the same open.
      expect(blocked()).toBe(true);
      expect(proc('syscall')).toBe(waiting);
    });

    it.each([
      ['a symlink to a namespace of the host', (at: string) => `mkdir -p ${path.dirname(at)} && ln -s /run/netns/${path.basename(at)} ${at}`],
      // The directory leads to the host's /run/netns (an absolute link under /proc/<tid>/root leads to the host's files).
      ['a directory that is a symlink to the host\'s namespace mounts', (at: string) => `ln -s /run/netns ${path.dirname(at)}`],
    ])('does not count what %s leads to', async (_, replace) => {
      const { holder, hidden, decoy } = await covered(replace);
      expect(existsSync(`/proc/${holder}/root${path.join(scratch, 'd', decoy.name)}`)).toBe(true);
      expect(await neighbourCensus(holder, tag, 100)).toEqual({ held: 0, namespaces: 1, threads: 1, hidden: [{ inode: hidden.inode, why: COVERED }], skipped: [] });
    });
  });

  // Mounts are found through the threads' views of their mount namespaces and reached by their
  // paths: what is there out of reach is reported (hidden), and the watchdog ends a sandbox that
  // keeps the same on two looks in a row.
  it('reports (never counts) a namespace whose mount another mount covers', async () => {
    const covered = namespace('covered');
    const mountPoint = path.join(scratch, 'd', 'ns');
    const holder = await cgroup.start(
      `mkdir -p ${path.dirname(mountPoint)} && touch ${mountPoint} && mount --no-canonicalize --bind /proc/self/fd/5 ${mountPoint} && exec 5<&- && mount -t tmpfs covering ${scratch} && echo ready && exec sleep 60`,
      { before: `exec 5</run/netns/${covered.name}` },
    );
    execFileSync('ip', ['netns', 'delete', covered.name]);
    expect(await neighbourCensus(holder, tag, 100)).toEqual({ held: 0, namespaces: 1, threads: 1, hidden: [{ inode: covered.inode, why: COVERED }], skipped: [] });
  });

  it('reports (never counts) a mount namespace no thread is in, where a namespace could be mounted out of sight', async () => {
    const kept = namespace('kept');
    const mountPoint = path.join(scratch, 'ns');
    // A child mounts it in a mount namespace of its own, which the holder keeps open once the child is gone.
    const child = `unshare -m sh -c 'mount --no-canonicalize --bind /proc/self/fd/5 "$1" && exec sleep 60' sh ${mountPoint} &`;
    const mounted = `until grep -q " - nsfs " /proc/$!/mountinfo; do sleep 0.05; done`;
    const holder = await cgroup.start(`touch ${mountPoint} && ${child} ${mounted} && exec 7</proc/$!/ns/mnt && kill $! && wait $!; exec 5<&- && echo ready && exec sleep 60`, {
      before: `exec 5</run/netns/${kept.name}`,
    });
    execFileSync('ip', ['netns', 'delete', kept.name]);
    expect(cgroup.processes()).toEqual([holder]);
    const mountNamespace = statSync(`/proc/${holder}/fd/7`).ino;
    expect(await neighbourCensus(holder, tag, 100)).toEqual({ held: 0, namespaces: 1, threads: 1, hidden: [{ inode: mountNamespace, why: 'a mount namespace no thread is in' }], skipped: [] });
  });

  it('reports (never counts) a mount namespace whose only threads are chrooted: what is mounted outside their roots is out of sight', async () => {
    const hidden = namespace('chrooted');
    const root = path.join(scratch, 'root');
    const mountPoint = path.join(scratch, 'mounted');
    // As `ip netns add` would, in the sandbox's mount namespace, then `exec chroot <dir> …` (Perl's
    // own chroot: the directory holds no programs).
    const program = '$| = 1; chroot($ARGV[0]) && chdir("/") or die "chroot: $!"; print "ready\\n"; sleep 60;';
    const holder = await cgroup.start(`mkdir ${root} && touch ${mountPoint} && mount --no-canonicalize --bind /proc/self/fd/5 ${mountPoint} && exec 5<&- && exec perl -e "$PROGRAM" ${root}`, {
      before: `exec 5</run/netns/${hidden.name}`,
      env: { PROGRAM: program },
    });
    execFileSync('ip', ['netns', 'delete', hidden.name]);
    expect(cgroup.processes()).toEqual([holder]);
    expect(readlinkSync(`/proc/${holder}/root`)).toBe(root);
    const mountNamespace = statSync(`/proc/${holder}/ns/mnt`).ino;
    expect(await neighbourCensus(holder, tag, 100)).toEqual({ held: 0, namespaces: 1, threads: 1, hidden: [{ inode: mountNamespace, why: 'a mount namespace seen only from chroots' }], skipped: [] });
  });

  it('reports (never counts) a socket kept only by a memory mapping, and the namespace it holds', async () => {
    const hidden = namespace('mapped');
    // A packet socket with a receive ring, the ring mapped, the socket closed (the mapping keeps it).
    const program = inNamespaceOn5(`
      socket(my $socket, 17, SOCK_RAW, 0) or die "socket: $!";
      # PACKET_RX_RING: struct tpacket_req { block_size, block_nr, frame_size, frame_nr }.
      setsockopt($socket, 263, 5, pack('L4', 4096, 1, 2048, 2)) or die "ring: $!";
      syscall(${SYSCALLS.mmap}, 0, 4096, 1, 1, fileno($socket), 0) != -1 or die "mmap: $!";
      close $socket;`);
    const holder = await cgroup.start('exec perl -e "$PROGRAM"', { before: `exec 5</run/netns/${hidden.name}`, env: { PROGRAM: program } });
    execFileSync('ip', ['netns', 'delete', hidden.name]);
    expect(namespaceDescriptors(holder)).toEqual([]);
    const socket = /\ssocket:\[(\d+)\]\s*$/m.exec(readFileSync(`/proc/${holder}/maps`, 'utf8'));
    expect(socket).not.toBeNull();
    expect(await neighbourCensus(holder, tag, 100)).toEqual({
      held: 0,
      namespaces: 1,
      threads: 1,
      hidden: [{ inode: Number(socket?.[1]), why: 'a socket kept only by a memory mapping' }],
      skipped: [],
    });
  });

  it("finds a mount outside the root of the first process it reads the mount namespace's mounts through", async () => {
    const hidden = namespace('outside-chroot');
    const root = path.join(scratch, 'root');
    const mountPoint = path.join(scratch, 'mounted');
    // The first process (lowest pid: /proc/<pid>/mountinfo lists only what is under its root) is in
    // a chroot; the second, in the same mount namespace, is not.
    const program = '$| = 1; chroot($ARGV[0]) && chdir("/") or die "chroot: $!"; print "ready\\n"; sleep 60;';
    const first = await cgroup.start(
      `mkdir ${root} && touch ${mountPoint} && mount --no-canonicalize --bind /proc/self/fd/5 ${mountPoint} && exec 5<&- && { sleep 60 & } && exec perl -e "$PROGRAM" ${root}`,
      { before: `exec 5</run/netns/${hidden.name}`, env: { PROGRAM: program } },
    );
    execFileSync('ip', ['netns', 'delete', hidden.name]);
    const second = cgroup.processes().find((pid) => pid !== first) as number;
    expect(first).toBeLessThan(second);
    expect(readlinkSync(`/proc/${first}/root`)).toBe(root);
    expect(statSync(`/proc/${first}/ns/mnt`).ino).toBe(statSync(`/proc/${second}/ns/mnt`).ino);
    expect(readFileSync(`/proc/${first}/mountinfo`, 'utf8')).not.toContain(`net:[${hidden.inode}]`);
    expect(await neighbourCensus(first, tag, 100)).toEqual({ held: HELD, namespaces: 2, threads: 2, hidden: [], skipped: [] });
  });

  it('stops counting once past the limit, within a namespace too', async () => {
    const processes = [];
    for (let index = 0; index < 3; index += 1) processes.push(await cgroup.start(`${ADD_ENTRIES} && echo ready && exec sleep 60`));
    const first = processes[0] as number;
    expect(await neighbourCensus(first, tag, 3 * HELD)).toEqual({ held: 3 * HELD, namespaces: 3, threads: 3, hidden: [], skipped: [] });
    // At the limit it goes on; past it, it stops, here at the second namespace's first held entry.
    expect(await neighbourCensus(first, tag, HELD)).toEqual({ held: HELD + 1, namespaces: 2, threads: 3, hidden: [], skipped: [] });
    expect(await neighbourCensus(first, tag, HELD - 1)).toEqual({ held: HELD, namespaces: 1, threads: 3, hidden: [], skipped: [] });
  });

  it("counts entries flagged extern_valid over raw netlink, which Debian 12's ip shows as plain STALE", async () => {
    // RTM_NEWNEIGH with NDA_FLAGS_EXT = NTF_EXT_EXT_VALIDATED (kernel 6.17+): never reclaimed.
    const adder = `use Socket qw(inet_aton); socket(my $nl, 16, 3, 0) or die; for my $i (1 .. 250) { my $a = pack('SS', 8, 1) . inet_aton(sprintf('10.9.1.%d', $i)) . pack('SS', 10, 2) . pack('C6x2', 2, 0, 0, 0, 0, 1) . pack('SSL', 8, 15, 4); send($nl, pack('LSSLL', 28 + length($a), 28, 0x605, $i, 0) . pack('CCSlSCC', 2, 0, 0, $ARGV[0], 4, 0, 0) . $a, 0, pack('SSLL', 16, 0, 0, 0)) or die; recv($nl, my $ack, 65536, 0); }`;
    const holder = await cgroup.start(`ip link add dk0 type veth peer name dk1 && perl -e "$ADDER" $(ip -o link show dk0 | cut -d: -f1) && echo ready && exec sleep 60`, { env: { ADDER: adder } });
    const shown = execFileSync('nsenter', ['-t', String(holder), '-n', 'ip', 'neigh', 'show', 'nud', 'all']).toString().trim().split('\n');
    expect(shown.filter((line) => / STALE\s*$/.test(line) && !/extern/.test(line)).length).toBe(250);
    expect((await neighbourCensus(holder, tag, 10_000)).held).toBe(250);
  });

  it('reads no more of a table than the limit needs', async () => {
    const proxies = 'i=0; while [ $i -lt 5000 ]; do echo "neigh add proxy 10.8.$((i / 256)).$((i % 256)) dev dk0"; i=$((i + 1)); done';
    const holder = await cgroup.start(`ip link add dk0 type veth peer name dk1 && { ${proxies}; } | ip -batch - && echo ready && exec sleep 60`);
    expect(await neighbourCensus(holder, tag, 10)).toEqual({ held: 11, namespaces: 1, threads: 1, hidden: [], skipped: [] });
    expect(await neighbourCensus(holder, tag, 10_000)).toEqual({ held: 5000, namespaces: 1, threads: 1, hidden: [], skipped: [] });
  });

  it('passes over descriptors of namespaces of other kinds, reporting nothing of them', async () => {
    const holder = await cgroup.start(`${ADD_ENTRIES} && exec 3</proc/self/ns/user 4</proc/self/ns/mnt 6</proc/self/ns/uts && echo ready && exec sleep 60`);
    const others = ['user', 'mnt', 'uts'].map((kind) => statSync(`/proc/${holder}/ns/${kind}`).ino);
    expect(new Set(namespaceDescriptors(holder))).toEqual(new Set(others));
    expect(await neighbourCensus(holder, tag, 100)).toEqual({ held: HELD, namespaces: 1, threads: 1, hidden: [], skipped: [] });
  });
});
