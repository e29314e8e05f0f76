import { describe, expect, it } from 'vitest';
import { waitUntil } from './wait-until.js';

describe('waitUntil', () => {
  it('resolves with the first answer', async () => {
    let calls = 0;
    expect(await waitUntil(() => (++calls >= 3 ? 'ready' : undefined), { timeoutMs: 1000, intervalMs: 1 })).toBe('ready');
    expect(calls).toBe(3);
  });

  it('gives up after the timeout, or when stopped, with undefined', async () => {
    let calls = 0;
    expect(await waitUntil(() => (calls++, false), { timeoutMs: 30, intervalMs: 10 })).toBeUndefined();
    expect(calls).toBeGreaterThan(1);
    expect(await waitUntil(() => 'never asked', { timeoutMs: 1000, intervalMs: 1, stopped: () => true })).toBeUndefined();
  });

  it('ends with the error of a probe that throws', async () => {
    await expect(waitUntil(() => Promise.reject(new Error('stopped while starting')), { timeoutMs: 1000, intervalMs: 1 })).rejects.toThrow('stopped while starting');
  });
});
