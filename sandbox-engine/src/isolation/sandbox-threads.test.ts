import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canMakePidsCgroups, ThrowawayPidsCgroup } from '../../../test/support/throwaway-pids-cgroup.js';
import { containerCgroup, sandboxThreads } from './sandbox-threads.js';

const ID = 'c0ffee0123456789abcdef';

describe('containerCgroup', () => {
  it("finds the v1 pids hierarchy's directory on a hybrid host", () => {
    const text = [`12:cpuset:/dockyard/${ID}`, `8:pids:/dockyard/${ID}`, `4:memory:/dockyard/${ID}`, `1:name=systemd:/dockyard/${ID}`, '0::/system.slice/docker.service', ''].join('\n');
    expect(containerCgroup(text, ID, '/sys/fs/cgroup')).toEqual({ dir: `/sys/fs/cgroup/pids/dockyard/${ID}`, tasksFile: 'tasks' });
  });

  it('finds pids mounted with other controllers', () => {
    expect(containerCgroup(`5:cpu,pids:/a/${ID}\n`, ID, '/cg').dir).toBe(`/cg/pids/a/${ID}`);
  });

  it('finds the unified directory on a v2-only host, by a part that names the container (docker-<id>.scope)', () => {
    expect(containerCgroup(`0::/system.slice/docker-${ID}.scope\n`, ID, '/sys/fs/cgroup')).toEqual({ dir: `/sys/fs/cgroup/system.slice/docker-${ID}.scope`, tasksFile: 'cgroup.threads' });
  });

  it("stops at the first part naming the container, wherever below it the process was moved (even into a cgroup named like it)", () => {
    expect(containerCgroup(`8:pids:/dockyard/${ID}/inner/${ID}/deeper\n`, ID, '/cg')).toEqual({ dir: `/cg/pids/dockyard/${ID}`, tasksFile: 'tasks' });
    expect(containerCgroup(`0::/dockyard/${ID}/init.scope\n`, ID, '/cg').dir).toBe(`/cg/dockyard/${ID}`);
  });

  it.each([
    ['no pids or unified line', '4:memory:/x\n1:name=systemd:/x\n'],
    ['an empty file', ''],
    ['text that is no cgroup file', 'hello\n'],
  ])('throws on %s', (_, text) => {
    expect(() => containerCgroup(text, ID, '/sys/fs/cgroup')).toThrow('the process is in no pids or unified cgroup');
  });

  it.each([
    ['the v1 pids root', '8:pids:/\n4:memory:/x\n0::/x\n', ID],
    ['the unified root', '0::/\n', ID],
    ['a cgroup of another container', '8:pids:/dockyard/0123456789abcdef\n', ID],
    ['a cgroup that names the container only in part', `8:pids:/dockyard/${ID.slice(0, 16)}\n`, ID],
    ['a container id too short to name one (it would match anything)', '8:pids:/dockyard/abc\n', 'abc'],
    ['an empty container id', '8:pids:/dockyard/abc\n', ''],
  ])("refuses a process in %s: that is not the sandbox's", (_, text, id) => {
    expect(() => containerCgroup(text, id, '/sys/fs/cgroup')).toThrow(`the process is not in a cgroup of container ${id.slice(0, 12)}`);
  });
});

describe('sandboxThreads on a made-up /proc and cgroup tree', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });

  /** A /proc with process 10 in `cgroupText`, and cgroup directories with these thread lists. */
  function tree(cgroupText: string, lists: Record<string, string>) {
    root = mkdtempSync(path.join(tmpdir(), 'dyk-unit-threads-'));
    const proc = path.join(root, 'proc');
    const cgroups = path.join(root, 'cgroup');
    mkdirSync(path.join(proc, '10'), { recursive: true });
    writeFileSync(path.join(proc, '10', 'cgroup'), cgroupText);
    for (const [file, text] of Object.entries(lists)) {
      mkdirSync(path.dirname(path.join(cgroups, file)), { recursive: true });
      writeFileSync(path.join(cgroups, file), text);
    }
    return { procRoot: proc, cgroupRoot: cgroups };
  }

  it("reads the v1 pids cgroup's threads and those of every cgroup below, once each", async () => {
    const options = tree(`8:pids:/dockyard/${ID}\n0::/elsewhere\n`, {
      [`pids/dockyard/${ID}/tasks`]: '10\n11\n',
      [`pids/dockyard/${ID}/inner/tasks`]: '12\n',
      // A thread that moved while the lists were read is in two of them.
      [`pids/dockyard/${ID}/inner/deeper/tasks`]: '13\n14\n12\nnot-a-tid\n\n',
      [`pids/dockyard/${ID}/other/tasks`]: '15\n',
      // Above and beside the sandbox: the host's.
      'pids/tasks': '1\n2\n',
      'pids/dockyard/tasks': '3\n',
      'pids/dockyard/neighbour0123456789/tasks': '20\n',
      'elsewhere/cgroup.threads': '30\n',
    });
    const threads = await sandboxThreads(10, ID, options);
    expect(threads.sort((a, b) => a - b)).toEqual([10, 11, 12, 13, 14, 15]);
  });

  it("starts at the container's cgroup, not the one below it its first process was moved to", async () => {
    const options = tree(`8:pids:/dockyard/${ID}/moved/here\n`, {
      [`pids/dockyard/${ID}/tasks`]: '11\n',
      [`pids/dockyard/${ID}/moved/here/tasks`]: '10\n',
      [`pids/dockyard/${ID}/beside/tasks`]: '12\n',
      'pids/dockyard/tasks': '3\n',
    });
    expect((await sandboxThreads(10, ID, options)).sort((a, b) => a - b)).toEqual([10, 11, 12]);
  });

  it("reads a unified cgroup's cgroup.threads, and skips a cgroup removed meanwhile", async () => {
    const options = tree(`0::/dockyard/${ID}\n`, {
      [`dockyard/${ID}/cgroup.threads`]: '10\n',
      [`dockyard/${ID}/inner/cgroup.threads`]: '11\n12\n',
      // A cgroup whose list is gone (removed between the directory read and the file read).
      [`dockyard/${ID}/removed/cgroup.procs`]: '99\n',
    });
    expect((await sandboxThreads(10, ID, options)).sort((a, b) => a - b)).toEqual([10, 11, 12]);
  });

  it("fails clearly when the sandbox's process is gone, in no cgroup it knows, in the host's root or another container's", async () => {
    const options = tree('4:memory:/x\n', {});
    await expect(sandboxThreads(11, ID, options)).rejects.toThrow(/ENOENT/);
    await expect(sandboxThreads(10, ID, options)).rejects.toThrow('the process is in no pids or unified cgroup');
    for (const text of ['8:pids:/\n', '8:pids:/dockyard/0123456789abcdef\n']) {
      writeFileSync(path.join(options.procRoot, '10', 'cgroup'), text);
      await expect(sandboxThreads(10, ID, options)).rejects.toThrow(`the process is not in a cgroup of container ${ID.slice(0, 12)}`);
    }
  });
});

// A sandbox made of host processes in a cgroup v1 pids directory of its own (and one below it),
// named as runc names a container's: its name stands for the container's id.
describe.skipIf(!canMakePidsCgroups)('sandboxThreads on this host', () => {
  let cgroup: ThrowawayPidsCgroup | undefined;
  afterEach(async () => {
    await cgroup?.[Symbol.asyncDispose]();
    cgroup = undefined;
  });

  const tasksOf = (pid: number) => readdirSync(`/proc/${pid}/task`).map(Number);
  const sorted = (list: number[]) => [...list].sort((a, b) => a - b);

  it('finds every thread of its processes, those of the cgroups below included, and no other', async () => {
    cgroup = new ThrowawayPidsCgroup(`dyk-unit-${process.pid}-${randomBytes(4).toString('hex')}`);
    const id = path.basename(cgroup.dir);
    const first = await cgroup.start('echo ready && exec sleep 60', { isolated: false });
    // Two threads besides its main one.
    const threaded = await cgroup.start('exec perl -Mthreads -e \'$| = 1; threads->create(sub { sleep 60 })->detach for 1 .. 2; print "ready\\n"; sleep 60\'', { isolated: false });
    const inner = await cgroup.start('echo ready && exec sleep 60', { isolated: false, cgroup: cgroup.child('inner/deeper') });
    expect(tasksOf(threaded)).toHaveLength(3);

    const threads = sorted(await sandboxThreads(first, id));
    expect(threads).toEqual(sorted([first, ...tasksOf(threaded), inner]));
    // The same from any process of the sandbox, the inner one's included.
    expect(sorted(await sandboxThreads(threaded, id))).toEqual(threads);
    expect(sorted(await sandboxThreads(inner, id))).toEqual(threads);
    expect(threads).not.toContain(process.pid);
    await expect(sandboxThreads(first, `${id}-other`)).rejects.toThrow('the process is not in a cgroup of container');
  });

  it('still lists the threads of the parent and siblings when its first process is moved into a child cgroup', async () => {
    cgroup = new ThrowawayPidsCgroup(`dyk-unit-${process.pid}-${randomBytes(4).toString('hex')}`);
    const id = path.basename(cgroup.dir);
    const init = await cgroup.start('echo ready && exec sleep 60', { isolated: false });
    const parent = await cgroup.start('echo ready && exec sleep 60', { isolated: false });
    const sibling = await cgroup.start('echo ready && exec sleep 60', { isolated: false, cgroup: cgroup.child('sibling') });
    // What the sandbox's root can do: it owns the cgroups below its own.
    writeFileSync(path.join(cgroup.dir, cgroup.child('hiding'), 'cgroup.procs'), String(init));
    expect(readFileSync(`/proc/${init}/cgroup`, 'utf8')).toMatch(new RegExp(`:pids:/${id}/hiding$`, 'm'));

    expect(sorted(await sandboxThreads(init, id))).toEqual(sorted([init, parent, sibling]));
  });
});
