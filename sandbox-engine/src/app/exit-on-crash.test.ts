import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodes } from './exit-codes.js';

const child = path.join(import.meta.dirname, 'fixtures', 'crash-child.ts');

function runChild(mode: string) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', child, mode], { encoding: 'utf8', timeout: 30_000 });
  const event = result.stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((record) => record.event === 'process.crashed');
  return { status: result.status, event };
}

describe('exitOnCrash', () => {
  it('logs an uncaught exception with its stack and exits non-zero', () => {
    const { status, event } = runChild('throw');
    expect(status).toBe(exitCodes.crashed);
    expect(event).toMatchObject({ level: 'error', kind: 'uncaught-exception', error: { message: 'boom from a timer' } });
    expect((event?.error as { stack?: string }).stack).toMatch(/boom from a timer\n\s+at /);
  });

  it('does the same for an unhandled rejection', () => {
    const { status, event } = runChild('reject');
    expect(status).toBe(exitCodes.crashed);
    expect(event).toMatchObject({ kind: 'unhandled-rejection', error: { message: 'boom from a promise' } });
    expect((event?.error as { stack?: string }).stack).toMatch(/crash-child\.ts/);
  });
});
