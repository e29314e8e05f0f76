import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireEngineLock, EngineLockedError, holderAlive, processStartTime } from './engine-lock.js';

describe('engine lock', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dockyard-lock-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a second engine on the same data directory and instance, naming the first', async () => {
    const lock = await acquireEngineLock(dir, 'default');
    await lock.update('http://localhost:8080/');
    const refused = await acquireEngineLock(dir, 'default').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(EngineLockedError);
    const message = (refused as Error).message;
    expect(message).toContain(`pid ${process.pid}`);
    expect(message).toContain('serving http://localhost:8080/');
    expect(message).toMatch(/started \d{4}-\d\d-\d\dT/);
    // Another instance on the same directory is another engine's business.
    const other = await acquireEngineLock(dir, 'other');
    await other.release();
    await lock.release();
    const again = await acquireEngineLock(dir, 'default');
    await again.release();
  });

  it('takes over the lock of an engine that is gone (a dead pid)', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    const holder = { pid: deadPid, startedAt: '2026-01-01T00:00:00.000Z', instance: 'default' };
    expect(holderAlive(holder)).toBe(false);
    await writeFile(path.join(dir, 'engine-default.lock'), JSON.stringify(holder));
    const lock = await acquireEngineLock(dir, 'default');
    expect(JSON.parse(await readFile(lock.file, 'utf8'))).toMatchObject({ pid: process.pid, instance: 'default' });
    await lock.release();
  });

  it('does not take a reused pid for the engine that wrote the lock', async () => {
    // Our own pid, but another process start time: the engine that wrote it is gone.
    const holder = { pid: process.pid, processStart: '1', startedAt: '2026-01-01T00:00:00.000Z', instance: 'default' };
    expect(processStartTime(process.pid)).toMatch(/^\d+$/);
    expect(holderAlive(holder)).toBe(false);
    await writeFile(path.join(dir, 'engine-default.lock'), JSON.stringify(holder));
    const lock = await acquireEngineLock(dir, 'default');
    await lock.release();
  });

  it('takes over an unreadable lock, and of two takers at once exactly one wins', async () => {
    await writeFile(path.join(dir, 'engine-default.lock'), 'garbage');
    const results = await Promise.allSettled([acquireEngineLock(dir, 'default'), acquireEngineLock(dir, 'default')]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const loser = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect(loser.reason).toBeInstanceOf(EngineLockedError);
    for (const result of results) if (result.status === 'fulfilled') await result.value.release();
  });
});
