import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProgressResponse } from '../../sandbox-engine/src/contracts/progress.js';
import type { SessionInfo } from '../../sandbox-engine/src/contracts/session.js';
import { hashLearnerKey } from '../../sandbox-engine/src/sessions/learner-key.js';
import { instanceResources, requireDocker } from '../support/docker-state.js';
import { startTestEngine } from '../support/start-test-engine.js';
import { TestLearner } from '../support/test-learner.js';

const lesson = 'postgres-in-a-container';
const step = 'start-the-database';

async function progressOf(learner: TestLearner): Promise<ProgressResponse> {
  const response = await fetch(new URL('/api/progress', learner.baseUrl), { headers: learner.headers });
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: ProgressResponse }).data;
}

describe('progress that lasts', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a passed step survives an engine restart and a new sandbox; every attempt is recorded', async () => {
    await requireDocker();
    dir = await mkdtemp(path.join(tmpdir(), 'dockyard-progress-'));
    const env = { PROGRESS_DB_FILE: path.join(dir, 'progress.sqlite') };

    const first = await startTestEngine(env);
    const env2 = { ...env, DOCKYARD_INSTANCE: first.instance };
    const learner = new TestLearner(first.url, lesson);
    try {
      expect((await learner.startSession()).status).toBe(201);
      await learner.connect();
      await learner.attach(0);
      // Checked before doing anything: a failed attempt, with the failing check and its message.
      expect((await learner.check(step)).passed).toBe(false);
      const solution = 'docker run -d -p 5432 --name db -e POSTGRES_USER=docker -e POSTGRES_PASSWORD=docker -e POSTGRES_DB=hartl postgres:15';
      learner.type(`${solution} && echo started-$((20+22))\r`);
      await learner.waitForOutput(/started-42/, 60_000);
      expect((await learner.check(step)).passed).toBe(true);

      const before = await progressOf(learner);
      const totalSteps = first.engine.lessons.find((candidate) => candidate.slug === lesson)!.steps.length;
      expect(before.lessons).toEqual([
        expect.objectContaining({ lesson, passedSteps: [step], failedSteps: [], totalSteps, currentStep: 'find-the-port', startedAt: expect.any(String) }),
      ]);
      expect(before.continueLesson).toBe(lesson);
      learner.disconnect();
    } finally {
      // Ends the sandbox: the next one is new.
      await first[Symbol.asyncDispose]();
    }
    expect((await instanceResources(first.instance)).containers).toBe(0);

    await using second = await startTestEngine(env2);
    const again = new TestLearner(second.url, lesson);
    again.learnerKey = learner.learnerKey;
    const started = await again.startSession();
    expect(started.status).toBe(201);
    expect(started.body.data).toMatchObject({ resumed: false, passedSteps: [step] });
    expect(started.body.data!.sessionId).not.toBe(learner.sessionId);
    await again.connect();
    const info = await again.socket!.timeout(30_000).emitWithAck('session:keepalive', {});
    expect('data' in info && (info.data as SessionInfo).passedSteps).toEqual([step]);
    again.disconnect();

    const after = await progressOf(again);
    expect(after.lessons).toEqual([expect.objectContaining({ lesson, passedSteps: [step], failedSteps: [], currentStep: 'find-the-port' })]);

    // Both attempts of the first engine, in order, as an instructor's export lists them.
    const group = await second.engine.progress.createClass('Persistence');
    const joined = await fetch(new URL('/api/classes/join', second.url), {
      method: 'POST',
      headers: again.headers,
      body: JSON.stringify({ code: group.code.replace('-', '').toLowerCase(), displayName: 'Ada' }),
    });
    expect(joined.status).toBe(200);
    expect(await joined.json()).toEqual({ data: { class: { name: 'Persistence', code: group.code } } });
    const { attempts } = await second.engine.progress.classAttemptsPage(group.id, { limit: 10 });
    expect(attempts.map(({ learner, lesson: slug, step: id, passed, failedChecks }) => ({ learner, slug, id, passed, failedChecks }))).toEqual([
      { learner: hashLearnerKey(learner.learnerKey), slug: lesson, id: step, passed: false, failedChecks: ['container db running'] },
      { learner: hashLearnerKey(learner.learnerKey), slug: lesson, id: step, passed: true, failedChecks: [] },
    ]);
    expect(attempts[0]!.message).toMatch(/db/);
    expect(attempts[1]!.durationMs).toBeGreaterThanOrEqual(0);
  });
});
