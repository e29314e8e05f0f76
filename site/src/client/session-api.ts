import {
  endSessionResultSchema,
  startSessionResultSchema,
  type ApiError,
  type Result,
  type StartSessionResult,
} from '../../../sandbox-engine/src/contracts/session.js';
import { learnerHeaders } from './learner-key.ts';

const NETWORK_ERROR: ApiError = {
  code: 'internal',
  message: 'Could not reach the Dockyard server. Check your connection, then try again.',
  retryable: true,
};

/**
 * Asks the engine for this learner's sandbox of a lesson: POST /api/sessions {lesson, move}. The
 * learner key (this browser's, from the site's storage) names the learner, so reopening the page
 * within the idle timeout resumes the same sandbox. The answer is the sandbox, a place in the
 * waiting line (ask again after `pollMs` to keep it), a place among the starts (ask again after
 * `pollMs` to get the sandbox), or an error. Never throws.
 */
export async function createSession(lesson: string, options: { move?: boolean } = {}, fetchImpl: typeof fetch = fetch): Promise<StartSessionResult> {
  let response: Response;
  try {
    response = await fetchImpl('/api/sessions', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...learnerHeaders() },
      body: JSON.stringify({ lesson, move: options.move ?? false }),
    });
  } catch {
    return { error: NETWORK_ERROR };
  }
  return readStartAnswer(response.status, await response.json().catch(() => undefined));
}

/** An answer to POST /api/sessions checked against the contract (`status` undefined: no answer came). */
export function readStartAnswer(status: number | undefined, json: unknown): StartSessionResult {
  if (status === undefined) return { error: NETWORK_ERROR };
  const answer = startSessionResultSchema.safeParse(json);
  if (answer.success) {
    const body = answer.data;
    if (('queued' in body || 'starting' in body) && status === 202) return body;
    if ('data' in body && status >= 200 && status < 300) return body;
    if ('error' in body) return body;
  }
  return {
    error: {
      code: 'internal',
      message: `The Dockyard server could not start a sandbox (HTTP ${status}). Try again in a moment.`,
      retryable: true,
    },
  };
}

/** "End sandbox": gives the learner's sandbox of this lesson back at once. */
export async function endSession(lesson: string, fetchImpl: typeof fetch = fetch): Promise<Result<{ ended: boolean }>> {
  try {
    const response = await fetchImpl(`/api/sessions/${encodeURIComponent(lesson)}`, {
      method: 'DELETE',
      credentials: 'same-origin',
      headers: { accept: 'application/json', ...learnerHeaders() },
    });
    const answer = endSessionResultSchema.safeParse(await response.json().catch(() => undefined));
    return answer.success ? answer.data : { error: { ...NETWORK_ERROR, message: `The server answered HTTP ${response.status}.` } };
  } catch {
    return { error: NETWORK_ERROR };
  }
}

/** Leaves the waiting line, and a sandbox start that has not begun (the page is closing); best effort. */
export function leaveQueue(fetchImpl: typeof fetch = fetch): void {
  void fetchImpl('/api/sessions/queue', { method: 'DELETE', keepalive: true, credentials: 'same-origin', headers: learnerHeaders() }).catch(() => undefined);
}
