import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Step } from '../contracts/lesson.js';
import type { StepResult } from '../contracts/checker.js';
import { createLogger } from '../log/logger.js';
import { openProgressStore } from './open-progress-store.js';
import { checkAttemptOf, recordCheckAttempt } from './record-check-attempt.js';
import { SessionProgress } from './session-progress.js';

const learner = createHash('sha256').update('learner').digest('hex');
const steps: Record<string, string[]> = { lesson: ['one', 'two', 'three'] };
const stepsOf = (slug: string) => steps[slug] ?? [];

describe('a session and the progress database', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const open = async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dockyard-session-progress-'));
    return openProgressStore({ file: path.join(dir, 'progress.sqlite'), log: createLogger('error', {}, () => true), stepsOf });
  };

  it('starts a new session with the steps its learner passed before (still in the lesson), and records the start', async () => {
    const store = await open();
    const at = new Date();
    for (const step of ['two', 'dropped-step', 'one']) await store.recordAttempt({ learner, lesson: 'lesson', step, passed: true, failedChecks: [], at, durationMs: 1 });
    const session = { id: 's1', lesson: 'lesson', learnerHash: learner, passedSteps: new Set<string>() };
    await new SessionProgress({ progress: store, stepsOf, log: createLogger('error', {}, () => true), now: () => at }).started(session);
    expect([...session.passedSteps].sort()).toEqual(['one', 'two']);
    expect((await store.lessonProgress(learner, 'lesson')).startedAt).toEqual(at);
    await store.close();
  });

  it('never fails a session or a check when the database does: it logs', async () => {
    const store = await open();
    await store.close();
    const lines: string[] = [];
    const log = createLogger('error', {}, (line) => lines.push(line));
    const session = { id: 's2', lesson: 'lesson', learnerHash: learner, passedSteps: new Set(['three']) };
    await new SessionProgress({ progress: store, stepsOf, log }).started(session);
    expect([...session.passedSteps]).toEqual(['three']);
    await recordCheckAttempt(store, log, { learner, lesson: 'lesson', step: 'one', passed: true, failedChecks: [], at: new Date(), durationMs: 1 }, 's2');
    expect(lines.map((line) => JSON.parse(line).event)).toEqual(['progress.restore.failed', 'progress.event.record.failed', 'progress.attempt.record.failed']);
  });

  it('makes an attempt of a check result: the failed checks by label, the first failure message', () => {
    const step = {
      id: 'start',
      checks: [
        { kind: 'container', name: 'db', state: 'running' },
        { kind: 'history', pattern: '^docker ps' },
        { kind: 'file', path: '/root/app.txt', exists: true },
      ],
    } as unknown as Step;
    const result: StepResult = {
      stepId: 'start',
      passed: false,
      outcomes: [
        { kind: 'container', passed: true, timedOut: false, message: 'db is running', durationMs: 3 },
        { kind: 'history', passed: false, timedOut: false, message: 'You have not run docker ps yet.', durationMs: 2 },
        { kind: 'file', passed: false, timedOut: true, message: 'timed out after 10 s', durationMs: 10000 },
      ],
    };
    const at = new Date();
    expect(checkAttemptOf(learner, 'lesson', step, result, 10012, at)).toEqual({
      learner,
      lesson: 'lesson',
      step: 'start',
      passed: false,
      failedChecks: ['history /^docker ps/', 'file /root/app.txt'],
      message: 'You have not run docker ps yet.',
      at,
      durationMs: 10012,
    });
    expect(checkAttemptOf(learner, 'lesson', step, { stepId: 'start', passed: true, outcomes: [] }, 5, at)).toEqual({
      learner,
      lesson: 'lesson',
      step: 'start',
      passed: true,
      failedChecks: [],
      at,
      durationMs: 5,
    });
  });
});
