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

  it('rejects a warning window longer than the idle timeout', () => {
    expect(() => loadConfig({ IDLE_TIMEOUT_SECONDS: '60', WARN_BEFORE_SECONDS: '120' })).toThrowError(/WARN_BEFORE_SECONDS/);
  });
});
