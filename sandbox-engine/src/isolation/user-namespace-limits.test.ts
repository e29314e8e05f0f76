import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHostUserNamespaceLimits, sandboxUserNamespaceLimits, userNamespaceCounters, type UserNamespaceLimits } from './user-namespace-limits.js';

const debianHost = Object.fromEntries(userNamespaceCounters.map((counter) => [counter, 96_362])) as UserNamespaceLimits;
debianHost.max_inotify_instances = 8192;
debianHost.max_inotify_watches = 1_048_576;
debianHost.max_fanotify_groups = 128;
debianHost.max_fanotify_marks = 205_032;

describe('sandboxUserNamespaceLimits', () => {
  it('gives each sandbox its ceiling when the host has room for all of them and keeps half for itself', () => {
    const limits = sandboxUserNamespaceLimits(debianHost, 8);
    expect(limits).toMatchObject({ max_uts_namespaces: 1024, max_user_namespaces: 64, max_inotify_instances: 128, max_inotify_watches: 65_536, max_fanotify_groups: 8 });
    for (const counter of userNamespaceCounters) expect(limits[counter] * 8).toBeLessThanOrEqual(debianHost[counter] / 2);
  });

  it('shares half of a small host limit between many sandboxes, never below 1', () => {
    const limits = sandboxUserNamespaceLimits({ ...debianHost, max_inotify_instances: 128 }, 200);
    expect(limits.max_uts_namespaces).toBe(240);
    expect(limits.max_inotify_instances).toBe(1);
    expect(sandboxUserNamespaceLimits({ ...debianHost, max_fanotify_groups: 0 }, 10).max_fanotify_groups).toBe(1);
  });
});

describe('readHostUserNamespaceLimits', () => {
  it('reads every counter and refuses what is not a count', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dockyard-userns-'));
    try {
      for (const counter of userNamespaceCounters) writeFileSync(path.join(dir, counter), '77\n');
      expect(readHostUserNamespaceLimits(dir).max_net_namespaces).toBe(77);
      writeFileSync(path.join(dir, 'max_net_namespaces'), 'lots\n');
      expect(() => readHostUserNamespaceLimits(dir)).toThrow(/max_net_namespaces is not a count/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
