import { z } from 'zod';
import { slugSchema } from './lesson.js';

export const createSessionRequestSchema = z.object({ lesson: slugSchema }).strict();
export type CreateSessionRequest = z.infer<typeof createSessionRequestSchema>;

export const sessionInfoSchema = z.object({
  sessionId: z.string(),
  lesson: slugSchema,
  /** ISO time when the maximum lifetime ends the session. */
  expiresAt: z.string(),
  /** ISO time when the session ends unless the learner does something. */
  idleExpiresAt: z.string(),
  idleTimeoutMs: z.number(),
  /** How long before an expiry the page warns. */
  warnBeforeMs: z.number(),
  passedSteps: z.array(z.string()),
  /** True when an existing sandbox was reattached rather than created. */
  resumed: z.boolean(),
});
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

export const apiErrorCodeSchema = z.enum([
  'bad-request',
  'unknown-lesson',
  'capacity',
  'docker-unavailable',
  'sandbox-failed',
  'no-session',
  'internal',
  // workspace (files, preview)
  'outside-workdir',
  'not-found',
  'conflict',
  'too-large',
]);
export type ApiErrorCode = z.infer<typeof apiErrorCodeSchema>;

export const apiErrorSchema = z.object({
  code: apiErrorCodeSchema,
  message: z.string(),
  /** True when trying again later can succeed (capacity, Docker restarting). */
  retryable: z.boolean(),
});
export type ApiError = z.infer<typeof apiErrorSchema>;

/** Every HTTP answer and socket ack: either data or an error, never both. */
export type Result<T> = { data: T } | { error: ApiError };
