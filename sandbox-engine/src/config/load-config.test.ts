import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config.js';

describe('loadConfig', () => {
  it('gives defaults for an empty environment', () => {
    const config = loadConfig({}, '/repo');
    expect(config.PORT).toBe(8080);
    expect(config.SANDBOX_SECURITY_PROFILE).toBe('caps');
    expect(config.SANDBOX_ISOLATION).toBe('userns');
    expect(config.LESSONS_DIR).toBe('/repo/lessons');
    expect(config.DOCKYARD_STORE_FILE).toBe('/var/lib/dockyard/store.xfs');
  });

  it('reads and coerces values', () => {
    const config = loadConfig({ PORT: '9000', SANDBOX_CPUS: '1.5', MAX_SANDBOXES: '3' }, '/repo');
    expect(config).toMatchObject({ PORT: 9000, SANDBOX_CPUS: 1.5, MAX_SANDBOXES: 3 });
  });

  it('names the bad variable and its value', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrowError(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrowError(/PORT="eighty"/);
    expect(() => loadConfig({ SANDBOX_SECURITY_PROFILE: 'root' })).toThrowError(/SANDBOX_SECURITY_PROFILE="root"/);
    expect(() => loadConfig({ MAX_SANDBOXES: '-1' })).toThrowError(/MAX_SANDBOXES/);
  });

  it('takes an instructor password of 12 characters or more, and never prints one it refuses', () => {
    expect(loadConfig({}).INSTRUCTOR_PASSWORD).toBeUndefined();
    expect(loadConfig({ INSTRUCTOR_PASSWORD: 'correct horse battery' }).INSTRUCTOR_PASSWORD).toBe('correct horse battery');
    expect(() => loadConfig({ INSTRUCTOR_PASSWORD: 'short-pw' })).toThrowError(/INSTRUCTOR_PASSWORD \(value hidden\): must be at least 12 characters/);
    expect(() => loadConfig({ INSTRUCTOR_PASSWORD: 'short-pw' })).not.toThrowError(/short-pw/);
  });

  it('keeps progress in SQLite under the data dir (a file per instance), or in PostgreSQL, never printing its URL', () => {
    expect(loadConfig({}, '/repo').PROGRESS_DB_FILE).toBe('/var/lib/dockyard/progress.sqlite');
    expect(loadConfig({ DOCKYARD_INSTANCE: 'test-ab12', DOCKYARD_DATA_DIR: '/data' }, '/repo').PROGRESS_DB_FILE).toBe('/data/progress-test-ab12.sqlite');
    expect(loadConfig({ PROGRESS_DB_FILE: 'db/progress.sqlite' }, '/repo').PROGRESS_DB_FILE).toBe('/repo/db/progress.sqlite');
    expect(loadConfig({}).DATABASE_URL).toBeUndefined();
    expect(loadConfig({ DATABASE_URL: 'postgresql://dockyard:pw@db:5432/dockyard' }).DATABASE_URL).toBe('postgresql://dockyard:pw@db:5432/dockyard');
    expect(() => loadConfig({ DATABASE_URL: 'mysql://dockyard:s3cret@db/dockyard' })).toThrowError(/DATABASE_URL \(value hidden\): must be a PostgreSQL URL/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://dockyard:s3cret@db/dockyard' })).not.toThrowError(/s3cret/);
  });

  it('sizes the warm pool "auto" or by a count (0: off), and starts as many sandboxes at once as there are CPUs', () => {
    expect(loadConfig({}).WARM_POOL_SIZE).toBe('auto');
    expect(loadConfig({ WARM_POOL_SIZE: '0' }).WARM_POOL_SIZE).toBe(0);
    expect(loadConfig({ WARM_POOL_SIZE: '3' }).WARM_POOL_SIZE).toBe(3);
    expect(() => loadConfig({ WARM_POOL_SIZE: 'many' })).toThrowError(/WARM_POOL_SIZE="many"/);
    expect(() => loadConfig({ WARM_POOL_SIZE: '-1' })).toThrowError(/WARM_POOL_SIZE/);
    expect(loadConfig({}).MAX_CONCURRENT_STARTS).toBe(Math.min(64, Math.max(1, availableParallelism())));
    expect(loadConfig({ MAX_CONCURRENT_STARTS: '4' }).MAX_CONCURRENT_STARTS).toBe(4);
    expect(() => loadConfig({ MAX_CONCURRENT_STARTS: '0' })).toThrowError(/MAX_CONCURRENT_STARTS/);
    expect(loadConfig({}).SANDBOX_START_CPUS).toBe(Math.min(64, Math.max(1, availableParallelism())));
    expect(loadConfig({ SANDBOX_START_CPUS: '1.5' }).SANDBOX_START_CPUS).toBe(1.5);
    expect(() => loadConfig({ SANDBOX_START_CPUS: '0' })).toThrowError(/SANDBOX_START_CPUS/);
  });

  it('rejects a warning window longer than the idle timeout', () => {
    expect(() => loadConfig({ IDLE_TIMEOUT_SECONDS: '60', WARN_BEFORE_SECONDS: '120' })).toThrowError(/WARN_BEFORE_SECONDS/);
  });
});
