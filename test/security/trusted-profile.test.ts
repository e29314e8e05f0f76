import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDocker } from '../support/docker-state.js';
import { repoRoot } from '../support/start-test-engine.js';
import { attacks } from './attacks.js';
import { openAttackBench, runAllAttacks, type AttackBench } from './run-attacks.js';

/**
 * The same attacks against the opt-in trusted profile (SANDBOX_ISOLATION=trusted). What succeeds
 * there is not a failure: it is printed and written to test-results/security-trusted.json, the
 * documented reason that profile is for one trusted user only. Host settings an attack changes are
 * restored by the attack itself.
 */
describe('the trusted profile, attacked the same way (what succeeds is reported, not failed)', () => {
  let bench: AttackBench;
  beforeAll(async () => {
    await requireDocker();
    bench = await openAttackBench({ SANDBOX_ISOLATION: 'trusted' });
  });
  afterAll(async () => bench?.[Symbol.asyncDispose]());

  it('judges every attack and prints which succeed', async () => {
    const results = await runAllAttacks(bench.context);
    const succeeded = results.filter((r) => r.succeeded);
    const line = `security (trusted profile): ${results.length} attacks tried, ${succeeded.length} succeeded: ${succeeded.map((r) => r.id).join(', ') || 'none'}`;
    console.log(line);
    for (const r of results) console.log(`  ${r.id}: ${r.succeeded ? 'SUCCEEDS' : 'blocked'} (${r.evidence})`);
    const dir = path.join(repoRoot, 'test-results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'security-trusted.json'), JSON.stringify({ line, results }, null, 2));
    expect(results).toHaveLength(attacks.length);
  }, 900_000);
});
