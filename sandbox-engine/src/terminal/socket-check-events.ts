import type { StepResult } from '../contracts/checker.js';
import { lessonReplaySchema, stepCheckSchema } from '../contracts/socket-events.js';
import { checkAttemptOf, recordCheckAttempt } from '../progress/record-check-attempt.js';
import type { LearnerConnection } from './learner-socket.js';
import { reply } from './socket-messages.js';

/** Checks running, by `<session>/<step>`: shared by every connection of the gateway. */
export type ChecksInFlight = Map<string, Promise<StepResult>>;

/**
 * step:check (a step's checks against the sandbox, each attempt recorded) and lesson:replay (the
 * steps passed before, checked again with progress events). Results go to every page of the session.
 */
export function handleCheckEvents({ io, socket, session, guarded, deps }: LearnerConnection, checksInFlight: ChecksInFlight): void {
  const { sessions, log } = deps;
  const { parse, handler } = guarded;

  socket.on('step:check', handler('step:check', async (payload, ack) => {
    const message = parse('step:check', stepCheckSchema, payload, ack);
    if (!message) return;
    const step = deps.findLesson(session.lesson)?.steps.find((candidate) => candidate.id === message.stepId);
    if (!step) {
      const text = `Lesson ${session.lesson} has no step "${message.stepId}".`;
      socket.emit('error:message', { event: 'step:check', message: text });
      return reply(ack, { error: { code: 'bad-request', message: text, retryable: false } });
    }
    sessions.touch(session);
    // Clicking Check again while a check runs waits for that same check.
    const key = `${session.id}/${step.id}`;
    let pending = checksInFlight.get(key);
    if (!pending) {
      const started = performance.now();
      pending = deps
        .runChecks(step, sessions.shellFor(session))
        .then(async (result) => {
          const durationMs = Math.round(performance.now() - started);
          if (deps.progress) await recordCheckAttempt(deps.progress, log, checkAttemptOf(session.learnerHash, session.lesson, step, result, durationMs), session.id);
          return result;
        })
        .finally(() => checksInFlight.delete(key));
      checksInFlight.set(key, pending);
    }
    const result = await pending;
    if (result.passed) sessions.markPassed(session, step.id);
    io.to(session.id).emit('step:result', result);
    reply(ack, { data: result });
  }));

  socket.on('lesson:replay', handler('lesson:replay', async (payload, ack) => {
    if (!parse('lesson:replay', lessonReplaySchema, payload ?? {}, ack)) return;
    if (!deps.replay) return reply(ack, { error: { code: 'internal', message: 'This server cannot replay steps.', retryable: false } });
    sessions.touch(session);
    const result = await deps.replay.start(session, {
      progress: (event) => io.to(session.id).emit('replay:progress', event),
      stepResult: (result) => io.to(session.id).emit('step:result', result),
    });
    reply(ack, result);
  }));
}
