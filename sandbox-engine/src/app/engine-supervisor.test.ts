import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.js';
import { superviseEngine } from './engine-supervisor.js';
import { defaultRestartPolicy } from './restart-policy.js';

const entry = path.join(import.meta.dirname, 'fixtures', 'fake-engine.ts');
const fast = { ...defaultRestartPolicy, firstDelayMs: 20, maxDelayMs: 100 };

describe('superviseEngine', () => {
  let dir: string;
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('debug', {}, (line) => {
    lines.push(JSON.parse(line) as Record<string, unknown>);
    return true;
  });
  const events = (name: string) => lines.filter((line) => line.event === name);

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'supervisor-'));
    lines.length = 0;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('starts a crashed engine again, passes SIGTERM on and ends when the engine does', async () => {
    const signals = new EventEmitter();
    let starts = 0;
    const code = await superviseEngine({
      log,
      entry,
      policy: fast,
      signals,
      env: { ...process.env, FAKE_ENGINE_RUNS: path.join(dir, 'runs'), FAKE_ENGINE_CRASHES: '2' },
      onStart: (child) => {
        starts += 1;
        child.once('message', () => signals.emit('SIGTERM', 'SIGTERM'));
      },
    });
    expect(code).toBe(0);
    expect(starts).toBe(3);
    expect(events('supervisor.engine.restarting').map((line) => [line.code, line.delayMs])).toEqual([
      [70, 20],
      [70, 40],
    ]);
    expect(events('supervisor.stopping')).toHaveLength(1);
    expect(signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('gives up on a restart storm with a message and a non-zero code', async () => {
    const code = await superviseEngine({
      log,
      entry,
      policy: { ...fast, maxCrashes: 3 },
      signals: new EventEmitter(),
      env: { ...process.env, FAKE_ENGINE_RUNS: path.join(dir, 'runs'), FAKE_ENGINE_CRASHES: '99' },
    });
    expect(code).toBe(1);
    expect(events('supervisor.engine.restarting')).toHaveLength(2);
    expect(events('supervisor.gave-up')[0]).toMatchObject({ code: 70, reason: expect.stringMatching(/ended 3 times/) });
  });
});
