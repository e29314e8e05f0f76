import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayProgress } from '../../sandbox-engine/src/contracts/progress.js';
import type { StepResult } from '../../sandbox-engine/src/contracts/checker.js';
import { hashLearnerKey } from '../../sandbox-engine/src/sessions/learner-key.js';
import { instanceResources, requireDocker } from '../support/docker-state.js';
import { startTestEngine, type TestEngine } from '../support/start-test-engine.js';
import { TestLearner } from '../support/test-learner.js';
import { waitUntil } from '../support/wait-for.js';

const lesson = 'postgres-in-a-container';

/**
 * "Bring this sandbox to where you were": a learner who passed steps 1–4 of lesson 1 before gets a
 * new sandbox; 'lesson:replay' types those steps' solutions into their main terminal and checks
 * each, and step 4's checks then pass on the sandbox itself.
 */
describe('replaying the passed steps of lesson 1 into a new sandbox', () => {
  let test: TestEngine;
  let learner: TestLearner;
  let passedBefore: string[];
  const progress: ReplayProgress[] = [];
  const results: StepResult[] = [];

  beforeAll(async () => {
    await requireDocker();
    test = await startTestEngine();
    learner = new TestLearner(test.url, lesson);
    const steps = test.engine.lessons.find((candidate) => candidate.slug === lesson)!.steps;
    passedBefore = steps.slice(0, 4).map((step) => step.id);
    // What an earlier sandbox left in the progress database: steps 1–4 passed.
    const at = new Date(Date.now() - 60_000);
    for (const step of passedBefore) {
      await test.engine.progress.recordAttempt({ learner: hashLearnerKey(learner.learnerKey), lesson, step, passed: true, failedChecks: [], at, durationMs: 100 });
    }
  });

  afterAll(async () => {
    learner?.disconnect();
    if (test) {
      const instance = test.instance;
      await test[Symbol.asyncDispose]();
      expect(await instanceResources(instance)).toEqual({ containers: 0, networks: 0, volumes: 0, mounts: 0, cgroups: 0, clones: 0 });
    }
  });

  it('refuses a malformed request and needs the main terminal', async () => {
    const { status, body } = await learner.startSession();
    expect(status).toBe(201);
    expect(body.data?.resumed).toBe(false);
    const socket = await learner.connect();
    socket.on('replay:progress', (event) => progress.push(event));
    socket.on('step:result', (result) => results.push(result));
    const malformed = await socket.timeout(10_000).emitWithAck('lesson:replay', { steps: ['rm -rf /'] });
    expect(malformed).toMatchObject({ error: { code: 'bad-request', message: expect.stringMatching(/Malformed lesson:replay/) } });
    const early = await socket.timeout(10_000).emitWithAck('lesson:replay', {});
    expect(early).toMatchObject({ error: { code: 'no-session', message: expect.stringMatching(/terminal is not connected/) } });
  });

  it('types each passed step into the main terminal, checks it, and leaves the sandbox at step 4', async () => {
    await learner.attach(0);
    await learner.waitForOutput(/root@sandbox/, 60_000);
    // A new sandbox: nothing of step 4 (the stopped container db) is there yet.
    expect((await learner.check(passedBefore[3]!)).passed).toBe(false);

    const socket = learner.socket!;
    const started = performance.now();
    const answer = await socket.timeout(10_000).emitWithAck('lesson:replay', {});
    expect(answer).toEqual({ data: { steps: passedBefore } });
    const second = await socket.timeout(10_000).emitWithAck('lesson:replay', {});
    expect(second).toMatchObject({ error: { code: 'conflict', message: expect.stringMatching(/already typing/) } });

    await waitUntil('the replay to end', () => progress.some((event) => event.state === 'done' || event.state === 'failed'), 240_000);
    console.info(`replay of ${passedBefore.length} steps of ${lesson}: ${Math.round(performance.now() - started)} ms`);
    expect(progress.at(-1)).toMatchObject({ state: 'done', total: 4 });
    expect(progress.filter((event) => event.state === 'passed').map((event) => event.step)).toEqual(passedBefore);
    expect(progress.filter((event) => event.state === 'typing').map((event) => `${event.index + 1}/${event.total}`)).toEqual(['1/4', '2/4', '3/4', '4/4']);
    expect(results.filter((result) => passedBefore.includes(result.stepId) && result.passed).map((result) => result.stepId)).toEqual(passedBefore);

    // The learner's own terminal shows the commands typed, as they would have typed them.
    expect(learner.output).toMatch(/docker run -d -p 5432 --name db/);
    expect(learner.output).toMatch(/docker stop db/);
    expect(learner.output).not.toMatch(/__DOCKYARD_/);

    // Step 4's checks pass on the sandbox itself, and step 5 is next: its checks still fail.
    const step4 = await learner.check(passedBefore[3]!);
    expect(step4.outcomes.filter((outcome) => !outcome.passed)).toEqual([]);
    expect(step4.passed).toBe(true);
    expect((await learner.check('list-all-containers')).passed).toBe(false);
    expect(await test.engine.progress.passedSteps(hashLearnerKey(learner.learnerKey), lesson)).toEqual(expect.arrayContaining(passedBefore));
  });
});
