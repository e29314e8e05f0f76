import type { Lesson } from '../../sandbox-engine/src/contracts/lesson.js';
import { LearnerTerminal } from '../../sandbox-engine/src/lessons/learner-terminal.js';
import { measureKeystrokeEcho, waitQuiet } from './keystroke-echo.js';
import { SocketTerminal } from './socket-terminal.js';

export interface StepTiming {
  stepId: string;
  /** Typing the step's solution commands until each one's prompt came back. */
  solutionMs: number;
  /** Check clicked → verdict on the page. */
  checkMs: number;
  /** The same check as the engine timed it (sum of its checkers). */
  serverCheckMs: number;
  passed: boolean;
}

export type LearnerPhase = 'arriving' | 'session' | 'connect' | 'prompt' | 'steps' | 'done' | 'failed';

export interface LearnerReport {
  index: number;
  phase: LearnerPhase;
  failure?: string;
  /** Arrival → in the waiting line until the engine took the request. */
  queuedMs?: number;
  /** The POST that gave the sandbox. */
  sessionRequestMs?: number;
  /** Sandbox given → socket connected and terminal attached. */
  connectMs?: number;
  /** Arrival ("click on the lesson") → the shell's prompt in the terminal. */
  shellReadyMs?: number;
  steps: StepTiming[];
  echoMs: number[];
  /** Arrival → last step passed. */
  lessonMs?: number;
}

export interface LearnerOptions {
  baseUrl: string;
  lesson: Lesson;
  index: number;
  keystrokes: number;
  keystrokeMs: number;
  /** Reading time before each step after the first. */
  thinkMs: number;
  /** Aborted when the load's time is up. */
  signal: AbortSignal;
}

/** Rejects as soon as `signal` aborts (what it waited for goes on, and ends with the socket). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('the load ran out of time'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('the load ran out of time'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (error: unknown) => (signal.removeEventListener('abort', onAbort), reject(error)),
    );
  });
}

/** An error with its cause (fetch failed → why). */
function describe(error: unknown): string {
  const { message, cause } = error as Error;
  return cause instanceof Error ? `${message} (${cause.message})` : message;
}

const tail = (text: string, chars: number) => (text.length <= chars ? text : `…${text.slice(-chars)}`);

/**
 * One learner doing a lesson through the engine's public surface, as the page does: asks for a
 * sandbox, connects the terminal, waits for the prompt, then for each step types a few keystrokes
 * (their echo timed) and clears them, types the step's solution commands (each must end with exit
 * code 0) and clicks Check (the step must pass). Fills `report` as it goes; the terminal stays
 * connected (the learner keeps the sandbox) until the caller ends it.
 */
export class SimulatedLearner {
  readonly report: LearnerReport;
  readonly terminal: SocketTerminal;
  private readonly typed: LearnerTerminal;

  constructor(private readonly options: LearnerOptions) {
    this.report = { index: options.index, phase: 'arriving', steps: [], echoMs: [] };
    this.terminal = new SocketTerminal(options.baseUrl, options.lesson.slug);
    this.typed = new LearnerTerminal(this.terminal.shell);
  }

  async run(): Promise<LearnerReport> {
    const { report, options } = this;
    const { signal } = options;
    const arrived = Date.now();
    try {
      report.phase = 'session';
      const start = await this.terminal.startSession(signal);
      report.queuedMs = start.queuedMs;
      report.sessionRequestMs = start.requestMs;

      report.phase = 'connect';
      const given = Date.now();
      await abortable(this.terminal.connect(), signal);
      report.connectMs = Date.now() - given;

      report.phase = 'prompt';
      await abortable(this.typed.ready(120_000), signal);
      report.shellReadyMs = Date.now() - arrived;

      report.phase = 'steps';
      for (const [index, step] of options.lesson.steps.entries()) {
        if (index > 0 && options.thinkMs > 0) await abortable(new Promise((resolve) => setTimeout(resolve, options.thinkMs)), signal);
        await waitQuiet(this.terminal, 150);
        const echoes = await abortable(measureKeystrokeEcho(this.terminal, { count: options.keystrokes, intervalMs: options.keystrokeMs, signal }), signal);
        report.echoMs.push(...echoes);

        const typing = Date.now();
        for (const command of step.solution) {
          const typed = await abortable(this.typed.type(command, 120_000), signal);
          if (typed.exitCode !== 0) throw new Error(`step ${step.id}: \`${command}\` exited with ${typed.exitCode}:\n${tail(typed.output.trim(), 300)}`);
        }
        const solutionMs = Date.now() - typing;

        const checking = Date.now();
        const result = await abortable(this.terminal.check(step.id), signal);
        const timing: StepTiming = {
          stepId: step.id,
          solutionMs,
          checkMs: Date.now() - checking,
          serverCheckMs: result.outcomes.reduce((sum, outcome) => sum + outcome.durationMs, 0),
          passed: result.passed,
        };
        report.steps.push(timing);
        if (!result.passed) {
          const problems = result.outcomes.filter((outcome) => !outcome.passed).map((outcome) => `${outcome.kind}: ${outcome.message}`);
          throw new Error(`step ${step.id} did not pass: ${problems.join('; ')}`);
        }
      }
      report.lessonMs = Date.now() - arrived;
      report.phase = 'done';
    } catch (error) {
      const where = report.phase;
      report.phase = 'failed';
      report.failure = `${where}: ${this.terminal.closedReason ? `${this.terminal.closedReason}; ` : ''}${describe(error)}`;
    }
    return report;
  }

  /** "End sandbox" and close the page; never throws (the engine's own cleanup is the backstop). */
  async end(): Promise<void> {
    this.typed.close();
    await this.terminal.end().catch(() => this.terminal.disconnect());
  }
}
