import { z } from 'zod';
import { slugSchema } from './lesson.js';

/**
 * A learner is a browser: a random key the site keeps in its own origin's storage and sends in this
 * header (HTTP) or in the socket handshake's auth. Another origin (a learner's app in the preview)
 * can neither read it nor plant one, unlike a cookie, which every port of a host name shares.
 */
export const LEARNER_HEADER = 'x-dockyard-learner';
export const learnerKeySchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a learner key is 43 base64url characters');

export const createSessionRequestSchema = z
  .object({
    lesson: slugSchema,
    /** The learner holds a sandbox for another lesson: end it and start this one. */
    move: z.boolean().default(false),
  })
  .strict();
export type CreateSessionRequest = z.infer<typeof createSessionRequestSchema>;

/** The socket handshake's auth: which lesson's sandbox, and who asks. */
export const socketAuthSchema = z.object({ lesson: slugSchema, learner: learnerKeySchema });

/** When every sandbox is in use: the learner's place in line (1 = next). */
export const queuePositionSchema = z.object({
  position: z.number().int().positive(),
  waiting: z.number().int().positive(),
  capacity: z.number().int().positive(),
  /** Ask again after this long to keep the place; a learner who stops asking leaves the line. */
  pollMs: z.number().int().positive(),
});
export type QueuePosition = z.infer<typeof queuePositionSchema>;

/**
 * A sandbox start under way (HTTP 202): the learner's place among the starts waiting for one of
 * the server's start slots. The start goes on whether or not the page asks again; asking again
 * (each ask is held a few seconds and answered as soon as the sandbox is up) gets it, or the error
 * it ended with.
 */
export const startPlaceSchema = z.object({
  /** 1 = the next start to get a slot; 0 = this sandbox is starting now. */
  position: z.number().int().nonnegative(),
  /** Learners' starts waiting for a slot (this one included while it waits). */
  waiting: z.number().int().nonnegative(),
  /** Starts running now, of at most `slots` at once. */
  running: z.number().int().nonnegative(),
  slots: z.number().int().positive(),
  /** Ask again after this long (short: the server holds each ask until the sandbox is up or a few seconds pass). */
  pollMs: z.number().int().nonnegative(),
});
export type StartPlace = z.infer<typeof startPlaceSchema>;

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
  /** The lesson whose sandbox was ended to start this one (a learner holds one at a time). */
  movedFrom: z.object({ slug: slugSchema, title: z.string() }).optional(),
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
  // web surface
  'holds-other-lesson',
  'rate-limited',
  'origin-refused',
  /** A sandbox start taken out of line before it began (the learner left). */
  'cancelled',
  // instructor area
  'unauthorized',
  'not-configured',
]);
export type ApiErrorCode = z.infer<typeof apiErrorCodeSchema>;

export const apiErrorSchema = z.object({
  code: apiErrorCodeSchema,
  message: z.string(),
  /** True when trying again later can succeed (capacity, Docker restarting). */
  retryable: z.boolean(),
  /** holds-other-lesson: the lesson whose sandbox the learner holds. */
  lesson: z.object({ slug: slugSchema, title: z.string() }).optional(),
  /** rate-limited: when asking again can succeed. */
  retryAfterMs: z.number().int().nonnegative().optional(),
});
export type ApiError = z.infer<typeof apiErrorSchema>;

/** Every HTTP answer and socket ack: either data or an error, never both. */
export type Result<T> = { data: T } | { error: ApiError };

/** The schema of a `Result` whose data `data` describes: what a client parses an answer with. */
export function resultSchema<T extends z.ZodTypeAny>(data: T) {
  return z.union([z.object({ data }).strict(), z.object({ error: apiErrorSchema }).strict()]);
}

/** POST /api/sessions: the sandbox, a place in line or among the starts (HTTP 202), or an error. */
export const startSessionResultSchema = z.union([
  z.object({ data: sessionInfoSchema }).strict(),
  z.object({ queued: queuePositionSchema }).strict(),
  z.object({ starting: startPlaceSchema }).strict(),
  z.object({ error: apiErrorSchema }).strict(),
]);
export type StartSessionResult = z.infer<typeof startSessionResultSchema>;

/** DELETE /api/sessions/:lesson ("End sandbox"). */
export const endSessionResultSchema = resultSchema(z.object({ ended: z.boolean() }));
