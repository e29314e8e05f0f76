import type { Request } from 'express';
import { LEARNER_HEADER } from '../contracts/session.js';
import { learnerHashOf } from '../sessions/learner-key.js';
import type { Session } from '../sessions/session.js';
import { SessionError } from '../sessions/session-errors.js';
import type { SessionManager } from '../sessions/session-manager.js';

/** The hash of the learner key a request carries, or a bad-request error naming the header. */
export function requireLearner(req: Request): string {
  const learnerHash = learnerHashOf(req.headers[LEARNER_HEADER]);
  if (!learnerHash) {
    throw new SessionError('bad-request', `Missing or malformed ${LEARNER_HEADER} header: the lesson page sends the key it keeps for this browser.`);
  }
  return learnerHash;
}

/** The caller's live session for a lesson (from its learner key), or a no-session error. */
export function requireSession(sessions: SessionManager, req: Request, lesson: string): Session {
  const session = sessions.authenticate(lesson, req.headers[LEARNER_HEADER]);
  if (!session) throw new SessionError('no-session', 'No sandbox of yours is running for this lesson: reload the page to start one.');
  return session;
}
