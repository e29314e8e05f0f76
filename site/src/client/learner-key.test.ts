import { describe, expect, it } from 'vitest';
import { learnerKey } from './learner-key.ts';

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
}

describe('learnerKey', () => {
  it('makes a 43-character base64url key once and keeps it', () => {
    const storage = new MemoryStorage();
    const key = learnerKey(storage);
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(learnerKey(storage)).toBe(key);
    expect(storage.items.get('dockyard.learner')).toBe(key);
  });

  it('replaces a malformed stored value and survives blocked storage', () => {
    const storage = new MemoryStorage();
    storage.setItem('dockyard.learner', 'planted"value');
    expect(learnerKey(storage)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const blocked = {
      getItem: () => {
        throw new Error('blocked');
      },
      setItem: () => {
        throw new Error('blocked');
      },
    };
    const key = learnerKey(blocked);
    expect(learnerKey(blocked)).toBe(key);
  });
});
