import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDocker } from '../support/docker-state.js';
import { repoRoot } from '../support/start-test-engine.js';
import { attacks } from './attacks.js';
import { openAttackBench, type AttackBench } from './run-attacks.js';

/**
 * Each attack a learner with a root shell would try, typed into the real terminal of a sandbox of
 * the default (userns) isolation, judged by evidence read on the host. Writes the summary line
 * "security: N attacks tried, 0 succeeded" for npm test.
 */
describe('the sandbox boundary (default isolation) holds against a learner with a root shell', () => {
  let bench: AttackBench;
  const outcomes: Array<{ id: string; succeeded: boolean; evidence: string }> = [];

  beforeAll(async () => {
    await requireDocker();
    bench = await openAttackBench({ SANDBOX_ISOLATION: 'userns' });
  });
  afterAll(async () => {
    await bench?.[Symbol.asyncDispose]();
    const dir = path.join(repoRoot, 'test-results');
    mkdirSync(dir, { recursive: true });
    const succeeded = outcomes.filter((o) => o.succeeded).length;
    const line = `security: ${outcomes.length} attacks tried, ${succeeded} succeeded`;
    writeFileSync(path.join(dir, 'security-userns.json'), JSON.stringify({ line, outcomes }, null, 2));
    console.log(line);
  });

  for (const attack of attacks) {
    it(`blocks: ${attack.title}`, async () => {
      const result = await attack.run(bench.context).catch((error: Error) => ({ succeeded: true, evidence: `could not be judged: ${error.message}` }));
      outcomes.push({ id: attack.id, ...result });
      console.log(`  ${attack.id}: ${result.succeeded ? 'SUCCEEDED' : 'blocked'} (${result.evidence})`);
      expect(result, result.evidence).toMatchObject({ succeeded: false });
    }, 300_000);
  }

  it("still serves the learner's own traffic: the host reaches the victim's server (what a preview does)", async () => {
    const { createConnection } = await import('node:net');
    const text = await new Promise<string>((resolve, reject) => {
      const socket = createConnection({ host: bench.context.victimHost.address, port: 7777 });
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
      socket.setTimeout(5000, () => reject(new Error('timed out')));
    });
    expect(text).toContain('victim');
  });
});
