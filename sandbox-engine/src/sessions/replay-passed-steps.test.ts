import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StepResult } from '../contracts/checker.js';
import type { Lesson } from '../contracts/lesson.js';
import { lessonFrontmatterSchema } from '../contracts/lesson.js';
import type { ReplayProgress } from '../contracts/progress.js';
import type { SandboxShell } from '../checkers/sandbox-shell.js';
import { runStepChecks } from '../checkers/run-step-checks.js';
import { createLogger } from '../log/logger.js';
import type { StepEvent } from '../progress/progress-store.js';
import { SandboxTerminal } from '../terminal/sandbox-terminal.js';
import { PassedStepsReplay, stepsToReplay } from './replay-passed-steps.js';
import type { SessionEvent } from './session-events.js';
import { Session } from './session.js';

const sandboxBashrc = fileURLToPath(new URL('../../../infra/images/sandbox/bashrc', import.meta.url));
const hasScript = spawnSync('script', ['--version']).status === 0;
const log = createLogger('error', {}, () => undefined);

const lesson: Lesson = {
  slug: 'replay-fixture',
  ...lessonFrontmatterSchema.parse({
    title: 'Replay fixture',
    summary: 'Three steps that leave files behind.',
    minutes: 5,
    order: 1,
    steps: [
      { id: 'first', title: 'First', solution: ['echo one > first.txt'], checks: [{ kind: 'command', run: 'cat first.txt', stdout: '^one$' }] },
      { id: 'second', title: 'Second', solution: ['N=2', 'echo "two $N" > second.txt'], checks: [{ kind: 'command', run: 'cat second.txt', stdout: '^two 2$' }] },
      { id: 'third', title: 'Third', solution: ['echo three > third.txt'], checks: [{ kind: 'command', run: 'cat third.txt', stdout: '^never$' }] },
    ],
  }),
};

describe('stepsToReplay', () => {
  it('keeps the lesson order and leaves out what the lesson does not have', () => {
    expect(stepsToReplay(lesson, ['second', 'first', 'unknown']).map((step) => step.id)).toEqual(['first', 'second']);
    expect(stepsToReplay(lesson, [])).toEqual([]);
  });
});

describe.skipIf(!hasScript)('PassedStepsReplay on an interactive bash with the sandbox .bashrc', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  let terminal: SandboxTerminal;
  let session: Session;
  let recorded: string[];
  const listeners = new Set<(event: SessionEvent) => void>();
  const events: StepEvent[] = [];

  /** Runs checks' commands with bash -c in the test directory, as a sandbox's shell does in /root. */
  const shell: SandboxShell = {
    run: (command, { timeoutMs }) =>
      new Promise((resolve, reject) => {
        const child = spawn('bash', ['-c', command], { cwd: dir, timeout: timeoutMs });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ exitCode: code ?? 1, stdout, stderr }));
      }),
  };

  const newReplay = (options: { promptTimeoutMs?: number } = {}) =>
    new PassedStepsReplay({
      findLesson: (slug) => (slug === lesson.slug ? lesson : undefined),
      recordedPassedSteps: async () => recorded,
      recordEvent: async (event) => void events.push(event),
      runChecks: (step, sandboxShell) => runStepChecks(step, sandboxShell, { defaultTimeoutMs: 5000 }),
      sessions: {
        shellFor: () => shell,
        markPassed: (target, stepId) => void target.passedSteps.add(stepId),
        touch: (target) => void (target.lastActivity = Date.now()),
        onEvent: (listener) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      },
      log,
      commandTimeoutMs: 10_000,
      promptTimeoutMs: options.promptTimeoutMs ?? 5000,
    });

  /** Starts a replay and collects what it tells until it is done or failed. */
  const replayAll = async (replay: PassedStepsReplay) => {
    const progress: ReplayProgress[] = [];
    const results: StepResult[] = [];
    let finished!: () => void;
    const over = new Promise<void>((resolve) => (finished = resolve));
    const answer = await replay.start(session, {
      progress: (event) => {
        progress.push(event);
        if (event.state === 'done' || event.state === 'failed') finished();
      },
      stepResult: (result) => results.push(result),
    });
    return { answer, progress, results, over };
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'replay-steps-'));
    const bashrc = (await readFile(sandboxBashrc, 'utf8')).replaceAll('/root/.bash_history', path.join(dir, 'history'));
    await writeFile(path.join(dir, 'bashrc'), bashrc);
    terminal = new SandboxTerminal(
      'main',
      async () => {
        const child = spawn('script', ['-qfec', `bash --rcfile ${path.join(dir, 'bashrc')} -i`, '/dev/null'], {
          cwd: dir,
          env: { PATH: process.env.PATH, HOME: dir, TERM: 'xterm-256color', LANG: 'C.UTF-8' },
        });
        children.push(child);
        return { stream: Duplex.from({ writable: child.stdin, readable: child.stdout }), resize: async () => undefined };
      },
      100_000,
      log,
    );
    await terminal.start({ cols: 120, rows: 30 });
    session = new Session('s1', lesson.slug, 'a'.repeat(64), 'container', 'name', Date.now(), Date.now() + 3_600_000);
    session.terminals.set('main', terminal);
    recorded = ['first', 'second'];
    events.length = 0;
    listeners.clear();
  });

  afterEach(async () => {
    terminal.close();
    for (const child of children.splice(0)) child.kill('SIGKILL');
    // script's bash gets its hang-up only now, and may still be writing its history file into dir.
    await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  it('types each recorded step into the shared terminal, checks it, and says how it goes', async () => {
    let shown = '';
    const page = terminal.attach(0, (chunk) => (shown += chunk.data));
    const replay = newReplay();
    const { answer, progress, results, over } = await replayAll(replay);
    expect(answer).toEqual({ data: { steps: ['first', 'second'] } });
    expect(replay.running(session.id)).toBe(true);
    await over;
    expect(progress.map((event) => `${event.index}/${event.total} ${event.step} ${event.state}`)).toEqual([
      '0/2 first typing',
      '0/2 first checking',
      '0/2 first passed',
      '1/2 second typing',
      '1/2 second checking',
      '1/2 second passed',
      '1/2 second done',
    ]);
    expect(results.map((result) => [result.stepId, result.passed])).toEqual([
      ['first', true],
      ['second', true],
    ]);
    expect([...session.passedSteps]).toEqual(['first', 'second']);
    expect(events.map((event) => [event.step, event.kind, event.learner])).toEqual([
      ['first', 'replayed', session.learnerHash],
      ['second', 'replayed', session.learnerHash],
    ]);
    // The learner's history holds the solution commands alone, and their page saw them typed.
    expect((await readFile(path.join(dir, 'history'), 'utf8')).trim().split('\n')).toEqual(['echo one > first.txt', 'N=2', 'echo "two $N" > second.txt']);
    expect(shown).toContain('echo "two $N" > second.txt');
    page.detach();
    await waitFor(() => !replay.running(session.id));
  });

  it('refuses a second replay while one runs, and a replay with nothing to replay', async () => {
    const replay = newReplay();
    const first = await replayAll(replay);
    const second = await replay.start(session, { progress: () => undefined, stepResult: () => undefined });
    expect(second).toMatchObject({ error: { code: 'conflict', message: expect.stringMatching(/already typing/) } });
    await first.over;
    await waitFor(() => !replay.running(session.id));
    recorded = [];
    const nothing = await replay.start(session, { progress: () => undefined, stepResult: () => undefined });
    expect(nothing).toMatchObject({ error: { code: 'bad-request', message: expect.stringMatching(/nothing to replay/) } });
  });

  it('stops at a step whose checks fail after its solution, with their message', async () => {
    recorded = ['first', 'third'];
    const { progress, over } = await replayAll(newReplay());
    await over;
    const last = progress.at(-1)!;
    expect(last).toMatchObject({ index: 1, total: 2, step: 'third', state: 'failed' });
    expect(last.message).toMatch(/did not pass/);
    expect([...session.passedSteps]).toEqual(['first']);
  });

  it('waits for a prompt: a program holding the terminal makes it fail without typing', async () => {
    let shown = '';
    const page = terminal.attach(0, (chunk) => (shown += chunk.data));
    terminal.write('learner', 0, 'cat\r');
    await waitFor(() => shown.includes('cat\r\n'));
    page.detach();
    const { progress, over } = await replayAll(newReplay({ promptTimeoutMs: 1000 }));
    await over;
    expect(progress).toEqual([expect.objectContaining({ index: 0, step: 'first', state: 'failed', message: expect.stringMatching(/no prompt/) })]);
    terminal.write('learner', 1, '\x03');
  });

  it('stops when the session ends', async () => {
    recorded = ['first', 'second'];
    lesson.steps[0]!.solution.unshift('sleep 30');
    try {
      const replay = newReplay();
      const { answer, progress } = await replayAll(replay);
      expect('data' in answer).toBe(true);
      await waitFor(() => progress.length > 0);
      for (const listener of listeners) listener({ type: 'ended', session, payload: { reason: 'ended', message: 'ended' } });
      await waitFor(() => !replay.running(session.id));
      expect(progress.map((event) => event.state)).toEqual(['typing']);
      expect(session.passedSteps.size).toBe(0);
    } finally {
      lesson.steps[0]!.solution.shift();
    }
  });

  it('answers with an error when the terminal runs no shell', async () => {
    terminal.close();
    const answer = await newReplay().start(session, { progress: () => undefined, stepResult: () => undefined });
    expect(answer).toMatchObject({ error: { code: 'no-session' } });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
