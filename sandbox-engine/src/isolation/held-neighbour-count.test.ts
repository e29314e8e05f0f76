import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../process/wait-until.js';
import { countHeldNeighbours, isHeldNeighbour } from './held-neighbour-count.js';

describe('isHeldNeighbour', () => {
  // Lines as `ip neigh show nud all` and `ip neigh show proxy` (iproute2 6.1) print them.
  it.each([
    '10.9.0.2 dev dk0 lladdr 02:00:00:00:00:02 PERMANENT ',
    '10.9.0.4 dev dk0 lladdr 02:00:00:00:00:04 NOARP ',
    '10.9.0.6 dev dk0 lladdr 02:00:00:00:00:06 extern_learn STALE ',
    '10.9.0.8 dev dk0 managed INCOMPLETE ',
    '10.9.9.9 dev dk0 proxy ',
    '2001:db8::9 dev dk0 proxy ',
    '2001:db8::2 dev dk0 lladdr 02:00:00:00:00:07 PERMANENT ',
    'ff02::16 dev dk1 lladdr 33:33:00:00:00:16 NOARP ',
  ])('holds %s', (line) => {
    expect(isHeldNeighbour(line)).toBe(true);
  });

  it.each([
    '10.9.0.5 dev dk0 lladdr 02:00:00:00:00:05 REACHABLE ',
    '10.9.0.3 dev dk0 lladdr 02:00:00:00:00:03 STALE ',
    '10.9.0.7 dev dk0  FAILED ',
    '10.9.0.7 dev dk0 INCOMPLETE ',
    '172.17.0.1 dev eth0 lladdr 02:42:ac:11:00:01 router DELAY ',
    'fe80::1 dev eth0 lladdr 02:42:ac:11:00:01 router STALE ',
    '2001:db8::3 dev dk0 lladdr 02:00:00:00:00:07 PROBE ',
    '',
  ])('does not hold %j', (line) => {
    expect(isHeldNeighbour(line)).toBe(false);
  });
});

describe('countHeldNeighbours', () => {
  let namespace: string;
  let scratch: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    namespace = `dyk-unit-${process.pid}-${randomBytes(4).toString('hex')}`;
    scratch = mkdtempSync(path.join(tmpdir(), 'dyk-unit-held-'));
    execFileSync('ip', ['netns', 'add', namespace]);
    // The links stay down: no IPv6 multicast entries (NOARP) come and go while the test counts.
    const entries = [
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
    execFileSync('ip', ['-n', namespace, '-batch', '-'], { input: `${entries.join('\n')}\n` });
  });

  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
    execFileSync('ip', ['netns', 'delete', namespace]);
  });

  const netnsPath = () => `/run/netns/${namespace}`;

  it('counts the permanent, NOARP, flagged and proxy entries of both families, not the stale ones', async () => {
    // 2 PERMANENT + NOARP + extern_learn + 2 proxies; 3 stale ones are not held.
    expect(await countHeldNeighbours(netnsPath(), statSync(netnsPath()).ino)).toBe(6);
  });

  it('refuses a path that is not that namespace', async () => {
    const inode = statSync(netnsPath()).ino;
    await expect(countHeldNeighbours(netnsPath(), inode + 1)).rejects.toThrow(`${netnsPath()} is no longer network namespace ${inode + 1}`);
    const file = path.join(scratch, 'not-a-namespace');
    writeFileSync(file, '');
    // The right inode number on another file system is no namespace either.
    await expect(countHeldNeighbours(file, statSync(file).ino)).rejects.toThrow(/is no longer network namespace/);
    await expect(countHeldNeighbours(path.join(scratch, 'missing'), inode)).rejects.toThrow(/ENOENT/);
  });

  it('does not open a FIFO put at the path: no hang, and its writer is not woken', async () => {
    const fifo = path.join(scratch, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // A writer waits in open() until something opens the FIFO for reading.
    const writer = spawn('sh', ['-c', 'exec 3>"$1"', 'sh', fifo], { stdio: 'ignore' });
    children.push(writer);
    const openat = process.arch === 'arm64' ? '56' : '257';
    // What the writer does now ('gone' once it has exited): in which system call, and whether it sleeps.
    const proc = (file: string) => {
      try {
        return readFileSync(`/proc/${writer.pid}/${file}`, 'utf8');
      } catch {
        return 'gone';
      }
    };
    const syscall = () => proc('syscall');
    const blocked = () => syscall().split(' ')[0] === openat && proc('stat').split(') ')[1]?.startsWith('S ') === true;
    expect(await waitUntil(blocked, { timeoutMs: 5000, intervalMs: 20 })).toBe(true);
    const waiting = syscall();

    await expect(countHeldNeighbours(fifo, statSync(fifo).ino)).rejects.toThrow(/is no longer network namespace/);
    // A reader's open would have woken it at once (running, or gone): it still sleeps in the same open.
    expect(blocked()).toBe(true);
    expect(syscall()).toBe(waiting);
  });
});
