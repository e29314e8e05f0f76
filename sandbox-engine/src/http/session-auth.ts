import type { Request } from 'express';
import type { Session } from '../sessions/session.js';
import { SessionError } from '../sessions/session-errors.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { sessionCookieName } from '../sessions/session-secret.js';
import { parseCookies } from './parse-cookies.js';

/** The live session a Cookie header opens for a lesson (the lesson's session cookie), or undefined. */
export function sessionFromCookies(sessions: SessionManager, lesson: string, cookieHeader: string | undefined): Session | undefined {
  return sessions.authenticate(lesson, parseCookies(cookieHeader)[sessionCookieName(lesson)]);
}

/** The caller's live session for a lesson (from its cookie), or a no-session error. */
export function requireSession(sessions: SessionManager, req: Request, lesson: string): Session {
  const session = sessionFromCookies(sessions, lesson, req.headers.cookie);
  if (!session) throw new SessionError('no-session', 'No sandbox of yours is running for this lesson: reload the page to start one.');
  return session;
}
