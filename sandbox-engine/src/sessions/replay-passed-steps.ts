import type { StepResult } from '../contracts/checker.js';
import type { Lesson, Step } from '../contracts/lesson.js';
import type { ReplayProgress } from '../contracts/progress.js';
import type { ApiError, Result } from '../contracts/session.js';
import type { SandboxShell } from '../checkers/sandbox-shell.js';
import { LearnerTerminal } from '../lessons/learner-terminal.js';
import type { Logger } from '../log/logger.js';
import type { StepEvent } from '../progress/progress-store.js';
import { typingStream } from '../terminal/typing-stream.js';
import type { Session } from './session.js';
import type { SessionManager } from './session-manager.js';

export interface ReplayDeps {
  findLesson: (slug: string) => Lesson | undefined;
  /** Ids of the steps of `lesson` the learner passed, as the progress store remembers them. */
  recordedPassedSteps: (learner: string, lesson: string) => Promise<string[]>;
  /** Records a 'replayed' event for each step brought back (when the store offers events). */
  recordEvent?: (event: StepEvent) => Promise<void>;
  runChecks: (step: Step, shell: SandboxShell) => Promise<StepResult>;
  sessions: Pick<SessionManager, 'shellFor' | 'markPassed' | 'touch' | 'onEvent'>;
  log: Logger;
  /** A solution command that has not shown the prompt again after this long gets Ctrl-C, and the replay stops (default 120 s, as lessons:test). */
  commandTimeoutMs?: number;
  /** The main terminal must show a prompt within this long for the replay to start typing (default 10 s). */
  promptTimeoutMs?: number;
}

/** Where a replay tells how it goes: every page of the session. */
export interface ReplayListener {
  progress(event: ReplayProgress): void;
  stepResult(result: StepResult): void;
}

/**
 * The steps to replay: every step the store remembers as passed, in lesson order. (A new session
 * lists them as passed already, taken from the store, so the session's own list cannot tell which
 * of them this sandbox holds; a step done again meanwhile is typed again, and its checks decide.)
 */
export function stepsToReplay(lesson: Pick<Lesson, 'steps'>, recorded: Iterable<string>): Step[] {
  const wanted = new Set(recorded);
  return lesson.steps.filter((step) => wanted.has(step.id));
}

const failure = (code: ApiError['code'], message: string, retryable = false): { error: ApiError } => ({ error: { code, message, retryable } });

/**
 * "Bring this sandbox to where you were": in a new sandbox, types the solution of each step the
 * learner passed before into their main terminal, as they would (the command and Enter, then the
 * prompt back), runs that step's checks, and tells every page of the session how it goes. One
 * replay at a time per session; the session ending stops it.
 */
export class PassedStepsReplay {
  readonly #running = new Map<string, AbortController>();

  constructor(private readonly deps: ReplayDeps) {
    deps.sessions.onEvent((event) => {
      if (event.type === 'ended') this.#running.get(event.session.id)?.abort();
    });
  }

  /** Whether a replay types into this session now. */
  running(sessionId: string): boolean {
    return this.#running.has(sessionId);
  }

  /** Starts a replay: answers with the steps it will replay (or why it will not), then goes on alone. */
  async start(session: Session, listener: ReplayListener): Promise<Result<{ steps: string[] }>> {
    if (this.#running.has(session.id)) {
      return failure('conflict', 'A replay is already typing into this sandbox. Wait until it has finished.', true);
    }
    const controller = new AbortController();
    this.#running.set(session.id, controller);
    const release = () => {
      if (this.#running.get(session.id) === controller) this.#running.delete(session.id);
    };
    const lesson = this.deps.findLesson(session.lesson);
    const terminal = session.terminals.get('main');
    if (!lesson || !terminal?.running) {
      release();
      return lesson
        ? failure('no-session', 'Your terminal is not connected yet. Wait for its prompt, then try again.', true)
        : failure('unknown-lesson', `There is no lesson ${session.lesson} on this server.`);
    }
    let recorded: string[];
    try {
      recorded = await this.deps.recordedPassedSteps(session.learnerHash, session.lesson);
    } catch (error) {
      release();
      this.deps.log.warn('replay.progress.unreadable', { session: session.id, error });
      return failure('internal', 'Your progress could not be read just now. Try again in a moment.', true);
    }
    const steps = stepsToReplay(lesson, recorded);
    if (steps.length === 0 || controller.signal.aborted) {
      release();
      return controller.signal.aborted
        ? failure('no-session', 'This sandbox has ended.')
        : failure('bad-request', 'There is nothing to replay: you have not passed any step of this lesson yet.');
    }
    this.deps.log.info('replay.started', { session: session.id, lesson: session.lesson, steps: steps.map((step) => step.id) });
    void this.#replay(session, steps, new LearnerTerminal({ stream: typingStream(terminal) }), listener, controller.signal)
      .catch((error: unknown) => this.deps.log.error('replay.crashed', { session: session.id, error }))
      .finally(release);
    return { data: { steps: steps.map((step) => step.id) } };
  }

  async #replay(session: Session, steps: Step[], terminal: LearnerTerminal, listener: ReplayListener, signal: AbortSignal): Promise<void> {
    const { deps } = this;
    const total = steps.length;
    let index = 0;
    const tell = (state: ReplayProgress['state'], message?: string) =>
      listener.progress({ index, total, step: steps[index]!.id, state, ...(message ? { message } : {}) });
    const stop = () => terminal.close();
    signal.addEventListener('abort', stop);
    const started = Date.now();
    try {
      try {
        await terminal.ready(deps.promptTimeoutMs ?? 10_000);
      } catch {
        tell('failed', 'Your terminal shows no prompt: a program is running in it. Finish it (or press Ctrl-C), then try again.');
        return;
      }
      for (; index < total; index++) {
        const step = steps[index]!;
        tell('typing');
        for (const command of step.solution) {
          await terminal.typeUntilPrompt(command, deps.commandTimeoutMs ?? 120_000);
          deps.sessions.touch(session);
        }
        if (signal.aborted) return;
        tell('checking');
        const result = await deps.runChecks(step, deps.sessions.shellFor(session));
        if (signal.aborted) return;
        listener.stepResult(result);
        if (!result.passed) {
          const failed = result.outcomes.filter((outcome) => !outcome.passed).map((outcome) => outcome.message);
          tell('failed', `Its checks did not pass after the replay: ${failed.join('; ') || 'no check passed'}`);
          deps.log.info('replay.failed', { session: session.id, step: step.id, ms: Date.now() - started });
          return;
        }
        deps.sessions.markPassed(session, step.id);
        deps.recordEvent?.({ learner: session.learnerHash, lesson: session.lesson, step: step.id, kind: 'replayed', at: new Date() }).catch((error: unknown) =>
          deps.log.warn('replay.event.unrecorded', { session: session.id, step: step.id, error }),
        );
        tell('passed');
      }
      index = total - 1;
      tell('done');
      deps.log.info('replay.done', { session: session.id, steps: total, ms: Date.now() - started });
    } catch (error) {
      if (signal.aborted) return;
      index = Math.min(index, total - 1);
      tell('failed', `The replay stopped: ${(error as Error).message.split('\n')[0]}`);
      deps.log.info('replay.failed', { session: session.id, step: steps[index]!.id, error });
    } finally {
      signal.removeEventListener('abort', stop);
      terminal.close();
    }
  }
}
