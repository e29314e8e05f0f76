import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, startTestEngine } from '../support/start-test-engine.js';
import { runCycles } from '../support/sandbox-cycles.js';

/**
 * `npm run cycles -- --count 1000 [--parallel 2] [--lesson slug]`: create/destroy cycles through the
 * real engine (HTTP session, socket.io terminal, "End sandbox"), then what is left on the host.
 * Prints progress, and as its last line one JSON object (also written to test-results/cycles.json);
 * exits 1 when anything leaked or a cycle failed. Ctrl-C stops starting cycles, lets those running
 * finish, and reports on what was done.
 */
async function main() {
  const { values } = parseArgs({
    options: { count: { type: 'string', default: '1000' }, parallel: { type: 'string', default: '1' }, lesson: { type: 'string', default: 'postgres-in-a-container' } },
  });
  const count = Number(values.count);
  const parallel = Number(values.parallel);
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(parallel) || parallel < 1 || parallel > 8) {
    throw new Error('--count must be a positive integer and --parallel 1 to 8');
  }
  const started = Date.now();
  await using test = await startTestEngine({ MAX_SANDBOXES: String(parallel + 1), WARM_POOL_SIZE: '0' });
  console.log(`cycles: ${count} create/destroy cycles of ${values.lesson}, ${parallel} at a time (instance ${test.instance})`);
  const stop = new AbortController();
  process.once('SIGINT', () => {
    console.log('  stopping: the cycles running finish, then the report');
    stop.abort();
  });
  const report = await runCycles(test.engine, test.url, test.instance, {
    count,
    lesson: values.lesson,
    parallel,
    signal: stop.signal,
    onCycle: (done, failures, lastMs) => {
      if (done % 10 === 0 || done === count) console.log(`  ${done}/${count} cycles, ${failures} failed, last ${lastMs} ms`);
    },
  });
  for (const error of report.errors) console.log(`  failed: ${error}`);
  const leaked = Object.entries(report.after).filter(([, value]) => value !== 0);
  const storeDeltaMiB = (report.storeAfterBytes - report.storeBaselineBytes) / 2 ** 20;
  console.log(`  left on the host: ${leaked.length === 0 ? 'nothing' : leaked.map(([key, value]) => `${value} ${key}`).join(', ')}`);
  console.log(`  store: ${storeDeltaMiB >= 0 ? '+' : ''}${storeDeltaMiB.toFixed(1)} MiB against the baseline (other engines on this host count too)`);
  const summary = {
    cycles: report.cycles,
    asked: count,
    parallel,
    failures: report.failures,
    ...report.after,
    storeBaselineMiB: Math.round(report.storeBaselineBytes / 2 ** 20),
    storeDeltaMiB: Math.round(storeDeltaMiB * 10) / 10,
    medianCycleMs: report.medianCycleMs,
    totalSeconds: Math.round((Date.now() - started) / 1000),
  };
  await mkdir(path.join(repoRoot, 'test-results'), { recursive: true });
  await writeFile(path.join(repoRoot, 'test-results', 'cycles.json'), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(JSON.stringify(summary));
  process.exitCode = report.failures > 0 || leaked.length > 0 ? 1 : 0;
}

main().catch((error: Error) => {
  console.error(`cycles failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
