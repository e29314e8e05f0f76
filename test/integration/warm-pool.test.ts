import { freePort } from '../support/free-port.js';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodes } from '../../sandbox-engine/src/app/exit-codes.js';
import { labelFilter, labelKeys } from '../../sandbox-engine/src/contracts/docker-labels.js';
import { instanceResources, requireDocker, sandboxDocker } from '../support/docker-state.js';
import { repoRoot, startTestEngine, type TestEngine } from '../support/start-test-engine.js';
import { TestLearner } from '../support/test-learner.js';

const withFiles = 'dockerfile-walkthrough';
const other = 'postgres-in-a-container';
/** Course order 5, after both: no pool sandbox of it when the other two fill the capacity. */
const third = 'images-and-commits';
const dataDir = process.env.DOCKYARD_DATA_DIR ?? '/var/lib/dockyard';
const allZero = { containers: 0, networks: 0, volumes: 0, mounts: 0, cgroups: 0, clones: 0 };

/** Waits (bounded) for a condition; says what it waited for when it gives up. */
async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Session ids of an instance's pool sandboxes (labelled, as the host's sandbox daemon lists them), per lesson. */
async function poolSandboxes(instance: string, lesson: string): Promise<string[]> {
  const filters = { label: [labelFilter('instance', instance), labelFilter('pool', 'true'), labelFilter('lesson', lesson)] };
  return (await sandboxDocker.listContainers({ all: true, filters })).map((container) => container.Labels[labelKeys.session]!);
}

const ready = (test: TestEngine, lesson: string, count = 1) => () => (test.engine.sessions.poolState.readyByLesson[lesson] ?? 0) >= count;

describe('warm pool', () => {
  const dirs: string[] = [];
  /** A lessons folder of a few real lessons (symlinks), so the pool's work stays small. */
  const lessonsWith = async (...slugs: string[]) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dockyard-pool-lessons-'));
    dirs.push(dir);
    for (const slug of slugs) await symlink(path.join(repoRoot, 'lessons', slug), path.join(dir, slug));
    return dir;
  };
  let lessonsDir: string;
  beforeAll(async () => {
    await requireDocker();
    lessonsDir = await lessonsWith(withFiles, other);
  });
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('a claim gives a ready sandbox of the right lesson (files, images, shell) and the pool refills', async () => {
    await using test = await startTestEngine({ LESSONS_DIR: lessonsDir, WARM_POOL_SIZE: '1', MAX_SANDBOXES: '4' });
    await until('a ready pool sandbox of each lesson', () => ready(test, withFiles)() && ready(test, other)());
    const pooled = await poolSandboxes(test.instance, withFiles);
    expect(pooled).toHaveLength(1);

    const learner = new TestLearner(test.url, withFiles);
    const created = await learner.startSession();
    expect(created.status).toBe(201);
    // The very sandbox the pool held, now this learner's and no longer the pool's.
    expect(created.body.data!.sessionId).toBe(pooled[0]);
    expect(created.body.data!.lesson).toBe(withFiles);
    await learner.connect();
    await learner.attach(0);
    await learner.waitForOutput(/root@sandbox[^\n]*[#$] $/m);
    learner.type('ls fortune-clock && docker image inspect debian:bookworm --format "image-$((40+2))" && docker info --format "{{.Driver}}"\r');
    await learner.waitForOutput(/Dockerfile[\s\S]*image-42[\s\S]*overlay2/, 60_000);
    // Another learner's key opens nothing of it.
    const stranger = new TestLearner(test.url, withFiles);
    await expect(stranger.connect()).rejects.toThrow(/no-session/);

    await until('the pool to start a new sandbox of the lesson', async () => ready(test, withFiles)() && (await poolSandboxes(test.instance, withFiles)).some((id) => id !== pooled[0]));
    learner.disconnect();
    stranger.disconnect();
  });

  it('never hands one pool sandbox to two learners, however many claim at once', async () => {
    await using test = await startTestEngine({ LESSONS_DIR: await lessonsWith(other), WARM_POOL_SIZE: '2', MAX_SANDBOXES: '6' });
    await until('two ready pool sandboxes', ready(test, other, 2));
    const learners = Array.from({ length: 5 }, () => new TestLearner(test.url, other));
    const answers = await Promise.all(learners.map((learner) => learner.startSession()));
    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201, 201]);
    const ids = answers.map((answer) => answer.body.data!.sessionId);
    expect(new Set(ids).size).toBe(5);
    const sessions = ids.map((id) => test.engine.sessions.get(id)!);
    expect(new Set(sessions.map((session) => session.containerId)).size).toBe(5);
    expect(new Set(sessions.map((session) => session.learnerHash)).size).toBe(5);
    // Each learner's key opens their own sandbox, and only it.
    for (const [index, learner] of learners.entries()) {
      expect(test.engine.sessions.authenticate(other, learner.learnerKey)?.id).toBe(ids[index]);
    }
    // Nothing a learner holds is still in the pool.
    const stillPooled = new Set(await poolSandboxes(test.instance, other));
    expect(test.engine.sessions.poolState.readyByLesson[other] ?? 0).toBeLessThanOrEqual(1);
    for (const id of ids) {
      if (!stillPooled.has(id)) continue;
      // A claimed pool sandbox keeps its label (labels cannot change): it must be a session now, not ready.
      expect(test.engine.sessions.get(id)).toBeDefined();
    }
  });

  it('gives way under capacity pressure: a learner takes the slot of a ready sandbox before anyone waits in line', async () => {
    await using test = await startTestEngine({ LESSONS_DIR: await lessonsWith(other, withFiles, third), WARM_POOL_SIZE: '1', MAX_SANDBOXES: '2' });
    // Both slots hold pool sandboxes, of the first two lessons in course order.
    await until('a ready pool sandbox of the first two lessons', () => ready(test, other)() && ready(test, withFiles)());
    const [given] = await poolSandboxes(test.instance, withFiles);

    // A learner of the third lesson (none ready): the server is full, yet they do not wait; the
    // later lesson's pool sandbox is destroyed for them.
    const first = new TestLearner(test.url, third);
    const answer = await first.startSession();
    expect(answer.status).toBe(201);
    expect(answer.body.data!.sessionId).not.toBe(given);
    expect(await poolSandboxes(test.instance, withFiles)).toEqual([]);
    // A learner of the first lesson gets a sandbox too (the pool's, or the slot it gives up).
    const second = new TestLearner(test.url, other);
    expect((await second.startSession()).status).toBe(201);
    // Learners hold both slots now: the next one waits in line, and the pool holds and starts nothing.
    const waiting = new TestLearner(test.url, withFiles);
    expect((await waiting.startSession()).status).toBe(202);
    expect(test.engine.sessions.poolState).toMatchObject({ ready: 0, starting: 0 });
    expect(test.engine.sessions.occupied).toBe(2);
    await waiting.endSession();
  });

  it('after an engine restart, a claimed pool sandbox is adopted for its learner and an unclaimed one destroyed', async () => {
    const first = await startTestEngine({ LESSONS_DIR: lessonsDir, WARM_POOL_SIZE: '1', MAX_SANDBOXES: '3' });
    const instance = first.instance;
    let claimFile = '';
    try {
      await until('a ready pool sandbox of each lesson', () => ready(first, withFiles)() && ready(first, other)());
      const learner = new TestLearner(first.url, other);
      const created = await learner.startSession();
      expect(created.status).toBe(201);
      claimFile = path.join(dataDir, 'pool-claims', `${instance}-${created.body.data!.sessionId}.json`);
      expect(existsSync(claimFile)).toBe(true);
      // The pool starts another of that lesson; once it is ready nothing is in flight.
      await until('the pool to refill', () => ready(first, other)() && first.engine.sessions.poolState.starting === 0);
      const unclaimed = [...(await poolSandboxes(instance, withFiles)), ...(await poolSandboxes(instance, other))].filter(
        (id) => id !== created.body.data!.sessionId,
      );
      expect(unclaimed).toHaveLength(2);
      await first.engine.close();

      await using second = await startTestEngine({ DOCKYARD_INSTANCE: instance, LESSONS_DIR: lessonsDir });
      const again = new TestLearner(second.url, other);
      again.learnerKey = learner.learnerKey;
      const resumed = await again.startSession();
      expect(resumed.status).toBe(200);
      expect(resumed.body.data!.sessionId).toBe(created.body.data!.sessionId);
      // The unclaimed ones are gone, never to be handed out: only the learner's sandbox is left.
      for (const id of unclaimed) expect(second.engine.sessions.get(id)).toBeUndefined();
      const left = await sandboxDocker.listContainers({ all: true, filters: { label: [labelFilter('instance', instance)] } });
      expect(left.map((container) => container.Labels[labelKeys.session])).toEqual([created.body.data!.sessionId]);
      // A stranger's key does not open the adopted sandbox.
      expect(second.engine.sessions.authenticate(other, new TestLearner(second.url, other).learnerKey)).toBeUndefined();
    } finally {
      await first.engine.sessions.destroyAll().catch(() => undefined);
    }
    expect(await instanceResources(instance)).toEqual(allZero);
    // The claim record went with the sandbox.
    expect(existsSync(claimFile)).toBe(false);
  });
});


describe('one engine per data directory', () => {
  it('a second engine on the same data directory and instance refuses to start, naming the one that runs', async () => {
    await requireDocker();
    const instance = `test-${randomBytes(3).toString('hex')}`;
    const entry = path.join('sandbox-engine', 'src', 'app', 'engine-main.ts');
    const start = async () => {
      const env = { ...process.env, HOST: '127.0.0.1', PORT: String(await freePort()), PREVIEW_PORT: String(await freePort()), DOCKYARD_INSTANCE: instance, WARM_POOL_SIZE: '0', LOG_LEVEL: 'warn' };
      const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      return { child, output: () => output, exited };
    };
    const first = await start();
    try {
      await until('the first engine to serve', () => /is ready: (http\S+)/.test(first.output()) || first.child.exitCode !== null, 600_000);
      const url = /is ready: (http\S+)/.exec(first.output())?.[1];
      expect(url, first.output()).toBeDefined();

      const second = await start();
      expect(await second.exited).toBe(exitCodes.alreadyRunning);
      expect(second.output()).toContain(`Another Dockyard engine already runs on this data directory as instance "${instance}": pid ${first.child.pid}`);
      expect(second.output()).toContain(`serving ${url}`);
      // The first one was not disturbed.
      expect((await fetch(new URL('/api/health', url))).ok).toBe(true);
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }
    // A clean stop gives the lock back.
    expect(existsSync(path.join(dataDir, `engine-${instance}.lock`))).toBe(false);
  });
});
