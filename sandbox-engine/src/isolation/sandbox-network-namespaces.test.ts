import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, rmdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countHeldNeighbours } from './held-neighbour-count.js';
import { cgroupOfProcess, networkNamespaceInode, networkNamespaceMounts, sandboxNetworkNamespaces } from './sandbox-network-namespaces.js';

describe('cgroupOfProcess', () => {
  it("finds the v1 pids hierarchy's directory on a hybrid host", () => {
    const text = ['12:cpuset:/dockyard/x/abc', '8:pids:/dockyard/x/abc', '4:memory:/dockyard/x/abc', '1:name=systemd:/dockyard/x/abc', '0::/system.slice/docker.service', ''].join('\n');
    expect(cgroupOfProcess(text, '/sys/fs/cgroup')).toEqual({ dir: '/sys/fs/cgroup/pids/dockyard/x/abc', tasksFile: 'tasks' });
  });

  it('finds pids mounted with other controllers', () => {
    expect(cgroupOfProcess('5:cpu,pids:/a/b\n', '/cg').dir).toBe('/cg/pids/a/b');
  });

  it('finds the unified directory on a v2-only host', () => {
    expect(cgroupOfProcess('0::/system.slice/x\n', '/sys/fs/cgroup')).toEqual({ dir: '/sys/fs/cgroup/system.slice/x', tasksFile: 'cgroup.threads' });
  });

  it.each([
    ['no pids or unified line', '4:memory:/x\n1:name=systemd:/x\n'],
    ['an empty file', ''],
    ['text that is no cgroup file', 'hello\n'],
  ])('throws on %s', (_, text) => {
    expect(() => cgroupOfProcess(text, '/sys/fs/cgroup')).toThrow('the process is in no pids or unified cgroup');
  });
});

describe('networkNamespaceInode', () => {
  it('reads a network namespace link and nothing else', () => {
    expect(networkNamespaceInode('net:[4026532186]')).toBe(4026532186);
    expect(networkNamespaceInode('mnt:[4026532186]')).toBeUndefined();
    expect(networkNamespaceInode('net:[4026532186] ')).toBeUndefined();
    expect(networkNamespaceInode('socket:[123]')).toBeUndefined();
    expect(networkNamespaceInode('')).toBeUndefined();
  });
});

describe('networkNamespaceMounts', () => {
  it('finds nsfs mounts of network namespaces, unescaping their mount points', () => {
    const mountinfo = [
      '22 1 252:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw',
      '25 22 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw',
      '626 29 0:4 net:[4026532186] /run/netns/lesson rw shared:300 - nsfs nsfs rw',
      '627 29 0:4 net:[4026532290] /run/my\\040netns/a\\134b rw shared:301 - nsfs nsfs rw',
      '628 29 0:4 mnt:[4026532300] /run/mnt-ns rw shared:302 - nsfs nsfs rw',
      '629 29 0:4 net:[4026532400] /run/not-nsfs rw shared:303 - tmpfs tmpfs rw',
      '630 29 0:4 net:[4026532500] /run/docker/netns/0a1b2c3d rw master:4 - nsfs nsfs rw',
      '',
    ].join('\n');
    expect(networkNamespaceMounts(mountinfo)).toEqual([
      { inode: 4026532186, mountPoint: '/run/netns/lesson' },
      { inode: 4026532290, mountPoint: '/run/my netns/a\\b' },
      { inode: 4026532500, mountPoint: '/run/docker/netns/0a1b2c3d' },
    ]);
  });

  it('finds nothing in text that is no mountinfo', () => {
    expect(networkNamespaceMounts('')).toEqual([]);
    expect(networkNamespaceMounts('garbage - nsfs\n - nsfs nsfs rw\n1 2 3 net:[1]')).toEqual([]);
  });
});

describe('sandboxNetworkNamespaces on a made-up /proc', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });

  it("walks the unified cgroup and its children, and keeps a few paths per namespace", async () => {
    root = mkdtempSync(path.join(tmpdir(), 'dyk-unit-netns-'));
    const proc = path.join(root, 'proc');
    const cgroups = path.join(root, 'cgroup');
    const task = (tid: number, net: string, mnt: string, fds: Record<string, string> = {}, mountinfo = '') => {
      mkdirSync(path.join(proc, String(tid), 'ns'), { recursive: true });
      mkdirSync(path.join(proc, String(tid), 'fd'));
      symlinkSync(net, path.join(proc, String(tid), 'ns', 'net'));
      symlinkSync(mnt, path.join(proc, String(tid), 'ns', 'mnt'));
      for (const [fd, link] of Object.entries(fds)) symlinkSync(link, path.join(proc, String(tid), 'fd', fd));
      writeFileSync(path.join(proc, String(tid), 'mountinfo'), mountinfo);
    };
    mkdirSync(path.join(proc, '10'), { recursive: true });
    writeFileSync(path.join(proc, '10', 'cgroup'), '0::/sandbox\n');
    mkdirSync(path.join(cgroups, 'sandbox', 'inner', 'deeper'), { recursive: true });
    writeFileSync(path.join(cgroups, 'sandbox', 'cgroup.threads'), '10\n11\n');
    writeFileSync(path.join(cgroups, 'sandbox', 'inner', 'cgroup.threads'), '12\n');
    writeFileSync(path.join(cgroups, 'sandbox', 'inner', 'deeper', 'cgroup.threads'), '13\n14\n15\n16\nnot-a-tid\n');
    task(10, 'net:[100]', 'mnt:[1]', { 0: '/dev/null', 3: 'net:[200]', 4: 'socket:[5]' }, '5 1 0:4 net:[300] /run/netns/a\\040b rw - nsfs nsfs rw\n');
    task(11, 'net:[100]', 'mnt:[1]', {}, '5 1 0:4 net:[999] /ignored rw - nsfs nsfs rw\n');
    task(12, 'net:[200]', 'mnt:[2]', { 7: 'net:[100]' });
    for (const tid of [13, 14, 15]) task(tid, 'net:[100]', 'mnt:[2]');
    // 16 ended before it was looked at.

    const found = await sandboxNetworkNamespaces(10, { procRoot: proc, cgroupRoot: cgroups });
    expect(found.tasks).toBe(7);
    expect(new Set(found.namespaces.keys())).toEqual(new Set([100, 200, 300]));
    const at = (tid: number, ...rest: string[]) => path.join(proc, String(tid), ...rest);
    // Thread 11 shares 10's mount namespace, whose mountinfo was read once.
    expect(found.namespaces.get(300)).toEqual([at(10, 'root', '/run/netns/a b')]);
    expect(found.namespaces.get(200)).toEqual([at(12, 'ns', 'net'), at(10, 'fd', '3')]);
    const hundred = found.namespaces.get(100) ?? [];
    expect(hundred).toHaveLength(4);
    expect(hundred.every((entry) => entry.endsWith('/ns/net') || entry === at(12, 'fd', '7'))).toBe(true);
  });

  it("fails clearly when the sandbox's process is gone or in no cgroup it knows", async () => {
    root = mkdtempSync(path.join(tmpdir(), 'dyk-unit-netns-'));
    await expect(sandboxNetworkNamespaces(10, { procRoot: root, cgroupRoot: root })).rejects.toThrow(/ENOENT/);
    mkdirSync(path.join(root, '10'));
    writeFileSync(path.join(root, '10', 'cgroup'), '4:memory:/x\n');
    await expect(sandboxNetworkNamespaces(10, { procRoot: root, cgroupRoot: root })).rejects.toThrow('the process is in no pids or unified cgroup');
  });
});

// A sandbox made of host processes: a cgroup v1 pids directory of its own, a process in a network
// namespace of its own, and one holding a descriptor of a namespace outside it and of one mounted.
describe.skipIf(!existsSync('/sys/fs/cgroup/pids/cgroup.procs'))('sandboxNetworkNamespaces on this host', () => {
  let tag: string;
  let cgroup: string;
  let sandbox: { own: number; holder: number };
  let inodes: { own: number; descriptor: number; mounted: number };
  const children: ChildProcessWithoutNullStreams[] = [];

  /** Starts `script`, resolving once it prints "ready". */
  async function start(script: string): Promise<number> {
    const child = spawn('sh', ['-c', script]);
    children.push(child);
    let output = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk).includes('ready\n') && resolve());
      child.on('exit', (code) => reject(new Error(`${script} exited (${code}): ${output}`)));
    });
    return child.pid as number;
  }

  const inodeOf = (link: string) => Number(/^net:\[(\d+)\]$/.exec(link)?.[1]);

  beforeEach(async () => {
    tag = `dyk-unit-${process.pid}-${randomBytes(4).toString('hex')}`;
    cgroup = `/sys/fs/cgroup/pids/${tag}`;
    mkdirSync(cgroup);
    execFileSync('ip', ['netns', 'add', tag]);
    const outsider = await start('exec unshare -n sh -c "echo ready && exec sleep 60"');
    // Each joins the cgroup first, as a sandbox's processes are in it from the start.
    const join = `echo $$ > ${cgroup}/cgroup.procs`;
    const own = await start(`${join} && exec unshare -n sh -c "echo ready && exec sleep 60"`);
    const holder = await start(`${join} && exec 3</proc/${outsider}/ns/net 4</run/netns/${tag} && echo ready && exec sleep 60`);
    sandbox = { own, holder };
    inodes = { own: inodeOf(readlinkSync(`/proc/${own}/ns/net`)), descriptor: inodeOf(readlinkSync(`/proc/${outsider}/ns/net`)), mounted: statSync(`/run/netns/${tag}`).ino };
    expect(new Set([...Object.values(inodes), inodeOf(readlinkSync('/proc/self/ns/net'))]).size).toBe(4);
  });

  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
    if (existsSync(cgroup)) rmdirSync(cgroup);
    if (existsSync(`/run/netns/${tag}`)) execFileSync('ip', ['netns', 'delete', tag]);
  });

  it('finds its own namespace, one it holds a descriptor of and one mounted in its mount namespace', async () => {
    const found = await sandboxNetworkNamespaces(sandbox.own);
    expect(found.tasks).toBe(2);
    expect(found.namespaces.get(inodes.own)).toContain(`/proc/${sandbox.own}/ns/net`);
    expect(found.namespaces.get(inodes.descriptor)).toContain(`/proc/${sandbox.holder}/fd/3`);
    // Through the root of whichever of its processes came first: both see the host's mounts.
    const mountPaths = [sandbox.own, sandbox.holder].map((pid) => `/proc/${pid}/root/run/netns/${tag}`);
    expect(found.namespaces.get(inodes.mounted)?.some((entry) => mountPaths.includes(entry))).toBe(true);
    for (const inode of Object.values(inodes)) {
      const paths = found.namespaces.get(inode) ?? [];
      for (const entry of paths) expect(statSync(entry).ino).toBe(inode);
      // And each leads the count into its namespace (none of them holds an entry).
      expect(await countHeldNeighbours(paths[0] as string, inode)).toBe(0);
    }
  });

  // Known gap: a descriptor opened through a mount reads as the mount's path, and as "/" once the
  // mount is gone (`ip netns delete` detaches it): not "net:[…]", so the scan does not see it.
  it.fails('finds a namespace held only by a descriptor opened through a mount since removed', async () => {
    execFileSync('ip', ['netns', 'delete', tag]);
    expect(readlinkSync(`/proc/${sandbox.holder}/fd/4`)).toBe('/');
    expect(statSync(`/proc/${sandbox.holder}/fd/4`).ino).toBe(inodes.mounted);
    const found = await sandboxNetworkNamespaces(sandbox.own);
    expect(found.namespaces.get(inodes.mounted) ?? []).toContain(`/proc/${sandbox.holder}/fd/4`);
  });
});
