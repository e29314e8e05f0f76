import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { preparePlatform, repoRoot } from '../infra/prepare-platform.js';
import { sweepTestLeftovers } from './support/sweep-test-leftovers.js';
import { countVitestReport, type ExpectedSkip, type VitestReport } from './support/vitest-report.js';

/**
 * `npm test`: prepares the machine (installs only what is missing), then runs every suite in CI
 * order and ends with one line summing them all: "N passed, N failed" (printed even when this
 * runner throws). A test that did not run counts as failed unless EXPECTED_SKIPS names it.
 */
interface SuiteResult {
  name: string;
  passed: number;
  failed: number;
  /** Tests that did not run (skipped, pending, todo), expected or not. */
  skipped?: number;
}

/** Tests skipped on purpose (`it.skip`, `it.todo`): there should be none; each needs a reason here. */
const EXPECTED_SKIPS: readonly ExpectedSkip[] = [];

const results: SuiteResult[] = [];
const resultsDir = path.join(repoRoot, 'test-results');

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: 'inherit', env: process.env });
    child.on('close', (code) => resolve(code ?? 1));
    child.on('error', () => resolve(1));
  });
}

/** A command that is one check: it passes when it exits 0. */
async function commandSuite(name: string, command: string, args: string[]) {
  console.log(`\n━━ ${name}: ${command} ${args.join(' ')}`);
  const code = await run(command, args);
  results.push({ name, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1 });
}

/** A vitest project, counted from its JSON report (a crashed run counts as one failure, a skipped test as one). */
async function vitestSuite(project: string) {
  const report = path.join(resultsDir, `${project}.json`);
  await rm(report, { force: true });
  console.log(`\n━━ ${project} tests`);
  const code = await run('npx', ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
  if (!existsSync(report)) {
    results.push({ name: project, passed: 0, failed: 1 });
    return;
  }
  const json = await readFile(report, 'utf8').then((text) => JSON.parse(text) as VitestReport).catch(() => undefined);
  if (!json) {
    console.error(`${project}: the JSON report ${report} is unreadable`);
    results.push({ name: project, passed: 0, failed: 1 });
    return;
  }
  const count = countVitestReport(json, code, repoRoot, EXPECTED_SKIPS);
  if (count.notes.length > 0) {
    console.log(`\n${project}: ${count.skipped} tests did not run${count.failed > 0 ? `; ${count.failed} counted as failed` : ''}`);
    for (const note of count.notes.slice(0, 40)) console.log(`  ${note}`);
    if (count.notes.length > 40) console.log(`  … and ${count.notes.length - 40} more`);
  }
  results.push({ name: project, passed: count.passed, failed: count.failed, skipped: count.skipped });
}

/** The attack suite's own summary lines (default isolation, then what succeeds against the trusted profile). */
async function printSecuritySummary() {
  for (const file of ['security-userns.json', 'security-trusted.json']) {
    const text = await readFile(path.join(resultsDir, file), 'utf8').catch(() => undefined);
    const line = text && (JSON.parse(text) as { line?: string }).line;
    console.log(line ?? `${file}: not written (the security suite did not run to its end)`);
  }
}

async function main() {
  await mkdir(resultsDir, { recursive: true });
  console.log('━━ preparing the machine (only what is missing)');
  try {
    await preparePlatform({ forTests: true });
    const swept = await sweepTestLeftovers();
    if (swept > 0) console.log(`removed ${swept} leftovers of an interrupted test run`);
    results.push({ name: 'setup', passed: 1, failed: 0 });
  } catch (error) {
    console.error(`setup failed: ${(error as Error).message}`);
    results.push({ name: 'setup', passed: 0, failed: 1 });
  }
  await commandSuite('lint', 'npx', ['eslint', '.']);
  await commandSuite('typecheck', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']);
  await commandSuite('site:check', 'npx', ['astro', 'check', '--root', 'site']);
  await commandSuite('lessons:check', 'npx', ['tsx', 'cli/lessons-check.ts']);
  for (const project of ['unit', 'integration', 'security', 'e2e']) {
    await vitestSuite(project);
    if (project === 'security') await printSecuritySummary();
  }
}

function printSummary() {
  console.log('\n━━ summary');
  for (const result of results) {
    const skipped = result.skipped ? ` (${result.skipped} did not run)` : '';
    console.log(`  ${result.name.padEnd(14)} ${result.passed} passed, ${result.failed} failed${skipped}`);
  }
  const passed = results.reduce((sum, result) => sum + result.passed, 0);
  const failed = results.reduce((sum, result) => sum + result.failed, 0);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

// Held open until the end: a wait with nothing of its own to wake it (a fetch stuck on a port Docker
// has just published, whose abort timer is unref'd) would let Node exit half-way, without a summary.
const hold = setInterval(() => undefined, 60_000);
main()
  .catch((error: unknown) => {
    console.error(`the test runner failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    results.push({ name: 'runner', passed: 0, failed: 1 });
  })
  .finally(() => {
    clearInterval(hold);
    printSummary();
  });
