import type { ApiError, ApiErrorCode } from '../contracts/session.js';

const retryableCodes: ReadonlySet<ApiErrorCode> = new Set(['capacity', 'docker-unavailable', 'sandbox-failed', 'rate-limited']);

/** A failure the learner is told about, with a code the page acts on (e.g. offering Retry). */
export class SessionError extends Error {
  override name = 'SessionError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** What the page needs besides the message: the lesson held, when to ask again. */
    readonly details: Pick<ApiError, 'lesson' | 'retryAfterMs'> = {},
  ) {
    super(message);
  }

  toApiError(): ApiError {
    return { code: this.code, message: this.message, retryable: retryableCodes.has(this.code), ...this.details };
  }
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof SessionError) return error.toApiError();
  return { code: 'internal', message: 'Something went wrong on the server. Please try again.', retryable: true };
}
