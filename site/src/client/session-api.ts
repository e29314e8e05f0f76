import type { ApiError, Result, SessionInfo } from '../../../sandbox-engine/src/contracts/session.js';

const NETWORK_ERROR: ApiError = {
  code: 'internal',
  message: 'Could not reach the Dockyard server. Check your connection, then try again.',
  retryable: true,
};

/**
 * Asks the engine for this lesson's sandbox: POST /api/sessions {lesson}. The server keeps the
 * session secret in an httpOnly cookie, so reopening the page within the idle timeout resumes the
 * same sandbox. Never throws: network failures and unexpected answers come back as an error.
 */
export async function createSession(lesson: string, fetchImpl: typeof fetch = fetch): Promise<Result<SessionInfo>> {
  let response: Response;
  try {
    response = await fetchImpl('/api/sessions', {
      method: 'POST',
      credentials: 'include',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ lesson }),
    });
  } catch {
    return { error: NETWORK_ERROR };
  }
  const body = await response.json().catch(() => undefined);
  if (isResult(body)) {
    if ('data' in body && response.ok) return body;
    if ('error' in body) return body;
  }
  return {
    error: {
      code: 'internal',
      message: `The Dockyard server could not start a sandbox (HTTP ${response.status}). Try again in a moment.`,
      retryable: true,
    },
  };
}

function isResult(body: unknown): body is Result<SessionInfo> {
  if (typeof body !== 'object' || body === null) return false;
  if ('error' in body) {
    const error = (body as { error: unknown }).error;
    return typeof error === 'object' && error !== null && typeof (error as ApiError).message === 'string';
  }
  if ('data' in body) {
    const data = (body as { data: unknown }).data;
    return typeof data === 'object' && data !== null && Array.isArray((data as SessionInfo).passedSteps);
  }
  return false;
}
