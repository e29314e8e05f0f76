import type { Request } from 'express';
import type { Session } from '../sessions/session.js';
import { SessionError } from '../sessions/session-errors.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { sessionCookieName } from '../sessions/session-secret.js';
import { parseCookies } from './parse-cookies.js';

/** The caller's live session for a lesson (from its cookie), or a no-session error. */
export function requireSession(sessions: SessionManager, req: Request, lesson: string): Session {
  const session = sessions.authenticate(lesson, parseCookies(req.headers.cookie)[sessionCookieName(lesson)]);
  if (!session) throw new SessionError('no-session', 'No sandbox of yours is running for this lesson: reload the page to start one.');
  return session;
}
