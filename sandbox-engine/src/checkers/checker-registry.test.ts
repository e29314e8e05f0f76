import { describe, expect, it } from 'vitest';
import { checkerSchema, type Checker } from '../contracts/checker.js';
import { checkerRegistry, evaluateChecker, type CheckerRegistry } from './checker-registry.js';

/**
 * Compile-time checks (`npm run typecheck` fails if a @ts-expect-error below stops erring): a
 * registry with a kind the contract does not know, or without one it knows, does not compile. Each
 * literal differs from a valid registry by exactly one kind, so each error has one cause.
 */
export function registryTypeChecks(): CheckerRegistry[] {
  const { command, container, file, history, port } = checkerRegistry;
  // @ts-expect-error: "volume" is not a checker kind
  const extra: CheckerRegistry = { command, container, file, history, port, volume: command };
  // @ts-expect-error: "history" is missing
  const missing: CheckerRegistry = { command, container, file, port };
  return [extra, missing];
}

describe('checkerRegistry', () => {
  it("has one evaluator for each of the contract's kinds, and no other", () => {
    const contractKinds = [...checkerSchema.innerType().optionsMap.keys()].map(String).sort();
    expect(contractKinds).toContain('command');
    expect(Object.keys(checkerRegistry).sort()).toEqual(contractKinds);
    for (const kind of contractKinds) expect(typeof checkerRegistry[kind as keyof CheckerRegistry]).toBe('function');
  });

  it('rejects (does not throw) a kind that slipped past validation', async () => {
    const bogus = { kind: 'volume' } as unknown as Checker;
    await expect(evaluateChecker(bogus, { run: async () => ({ exitCode: 0, stdout: '', stderr: '' }) }, new AbortController().signal)).rejects.toThrow(
      'unknown checker kind "volume"',
    );
  });
});
