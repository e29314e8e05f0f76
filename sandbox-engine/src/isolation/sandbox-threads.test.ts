import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canMakePidsCgroups, ThrowawayPidsCgroup } from '../../../test/support/throwaway-pids-cgroup.js';
import { cgroupOfProcess, sandboxThreads } from './sandbox-threads.js';

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

  it.each([
    ['the v1 pids root', '8:pids:/\n4:memory:/x\n0::/x\n'],
    ['the unified root', '0::/\n'],
  ])('refuses a process in %s: that is the whole host', (_, text) => {
    expect(() => cgroupOfProcess(text, '/sys/fs/cgroup')).toThrow("the process is in the root cgroup, not a sandbox's");
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
    const options = tree('8:pids:/sandbox\n0::/elsewhere\n', {
      'pids/sandbox/tasks': '10\n11\n',
      'pids/sandbox/inner/tasks': '12\n',
      // A thread that moved while the lists were read is in two of them.
      'pids/sandbox/inner/deeper/tasks': '13\n14\n12\nnot-a-tid\n\n',
      'pids/sandbox/other/tasks': '15\n',
      // Above and beside the sandbox: the host's.
      'pids/tasks': '1\n2\n',
      'pids/neighbour/tasks': '20\n',
      'elsewhere/cgroup.threads': '30\n',
    });
    const threads = await sandboxThreads(10, options);
    expect(threads.sort((a, b) => a - b)).toEqual([10, 11, 12, 13, 14, 15]);
  });

  it("reads a unified cgroup's cgroup.threads, and skips a cgroup removed meanwhile", async () => {
    const options = tree('0::/sandbox\n', {
      'sandbox/cgroup.threads': '10\n',
      'sandbox/inner/cgroup.threads': '11\n12\n',
      // A cgroup whose list is gone (removed between the directory read and the file read).
      'sandbox/removed/cgroup.procs': '99\n',
    });
    expect((await sandboxThreads(10, options)).sort((a, b) => a - b)).toEqual([10, 11, 12]);
  });

  it("fails clearly when the sandbox's process is gone, in no cgroup it knows, or in the host's root", async () => {
    const options = tree('4:memory:/x\n', {});
    await expect(sandboxThreads(11, options)).rejects.toThrow(/ENOENT/);
    await expect(sandboxThreads(10, options)).rejects.toThrow('the process is in no pids or unified cgroup');
    writeFileSync(path.join(options.procRoot, '10', 'cgroup'), '8:pids:/\n');
    await expect(sandboxThreads(10, options)).rejects.toThrow("the process is in the root cgroup, not a sandbox's");
  });
});

// A sandbox made of host processes in a cgroup v1 pids directory of its own (and one below it).
describe.skipIf(!canMakePidsCgroups)('sandboxThreads on this host', () => {
  let cgroup: ThrowawayPidsCgroup | undefined;
  afterEach(async () => {
    await cgroup?.[Symbol.asyncDispose]();
    cgroup = undefined;
  });

  const tasksOf = (pid: number) => readdirSync(`/proc/${pid}/task`).map(Number);

  it('finds every thread of its processes, those of the cgroups below included, and no other', async () => {
    cgroup = new ThrowawayPidsCgroup(`dyk-unit-${process.pid}-${randomBytes(4).toString('hex')}`);
    const first = await cgroup.start('echo ready && exec sleep 60', { isolated: false });
    // Two threads besides its main one.
    const threaded = await cgroup.start('exec perl -Mthreads -e \'$| = 1; threads->create(sub { sleep 60 })->detach for 1 .. 2; print "ready\\n"; sleep 60\'', { isolated: false });
    const inner = await cgroup.start('echo ready && exec sleep 60', { isolated: false, cgroup: cgroup.child('inner/deeper') });
    expect(tasksOf(threaded)).toHaveLength(3);

    const threads = await sandboxThreads(first);
    expect(threads.sort((a, b) => a - b)).toEqual([first, ...tasksOf(threaded), inner].sort((a, b) => a - b));
    // The same from any process of the sandbox's top cgroup; from the inner one, only what is below it.
    expect((await sandboxThreads(threaded)).sort((a, b) => a - b)).toEqual(threads);
    expect(await sandboxThreads(inner)).toEqual([inner]);
    expect(threads).not.toContain(process.pid);
  });
});
