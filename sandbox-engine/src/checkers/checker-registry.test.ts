import { describe, expect, it } from 'vitest';
import type { Checker } from '../contracts/checker.js';
import { checkerRegistry, evaluateChecker, type CheckerRegistry } from './checker-registry.js';

describe('checkerRegistry', () => {
  it('has an evaluator for every kind', () => {
    expect(Object.keys(checkerRegistry).sort()).toEqual(['command', 'container', 'file', 'history', 'port']);
  });

  it('does not compile with a kind the contract does not know, or without one it knows', () => {
    const { command, container, history, port } = checkerRegistry;
    // @ts-expect-error: "volume" is not a checker kind
    const extra: CheckerRegistry = { command, container, history, port, volume: command };
    // @ts-expect-error: "history" is missing
    const missing: CheckerRegistry = { command, container, port };
    expect([extra, missing]).toHaveLength(2);
  });

  it('rejects (does not throw) a kind that slipped past validation', async () => {
    const bogus = { kind: 'volume' } as unknown as Checker;
    await expect(evaluateChecker(bogus, { run: async () => ({ exitCode: 0, stdout: '', stderr: '' }) }, new AbortController().signal)).rejects.toThrow(
      'unknown checker kind "volume"',
    );
  });
});
