import type { Response } from 'express';
import type { Result } from '../contracts/session.js';
import { toApiError } from '../sessions/session-errors.js';
import { WorkspaceError } from '../workspace/workspace-error.js';

const statusFor: Record<string, number> = {
  'bad-request': 400,
  'unknown-lesson': 404,
  'no-session': 404,
  capacity: 503,
  'docker-unavailable': 503,
  'sandbox-failed': 500,
  internal: 500,
  'holds-other-lesson': 409,
  'rate-limited': 429,
  'origin-refused': 403,
  unauthorized: 401,
  'not-found': 404,
  'not-configured': 404,
};

/** Answers with `{ error }` and the status that fits it. */
export function sendError(res: Response, error: unknown): void {
  if (error instanceof WorkspaceError) {
    res.status(error.status).json({ error: { code: error.code, message: error.message, retryable: false } });
    return;
  }
  const apiError = toApiError(error);
  if (apiError.retryAfterMs !== undefined) res.setHeader('retry-after', String(Math.ceil(apiError.retryAfterMs / 1000)));
  res.status(statusFor[apiError.code] ?? 500).json({ error: apiError } satisfies Result<never>);
}
