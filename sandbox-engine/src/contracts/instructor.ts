import { z } from 'zod';
import { slugSchema } from './lesson.js';
import type { Ack, SocketErrorMessage } from './socket-events.js';

/**
 * The instructor's side (on only when INSTRUCTOR_PASSWORD is set). HTTP, site origin only, signed
 * in by an HttpOnly, SameSite=Strict session cookie:
 *
 *   GET  /api/instructor/status                    → { data: InstructorStatus }
 *   POST /api/instructor/login   { password }      → 204 + cookie; 401 wrong; 429 too many tries; 404 not configured
 *   POST /api/instructor/logout                    → 204, cookie cleared
 *   GET  /api/instructor/classes                   → { data: ClassSummary[] }
 *   POST /api/instructor/classes { name }          → 201 { data: ClassSummary }
 *   GET  /api/instructor/classes/:id/results.json  → ClassResults   (cookie, or Authorization: Bearer <INSTRUCTOR_PASSWORD>)
 *   GET  /api/instructor/classes/:id/results.csv   → one row per learner × lesson (same auth)
 *
 * socket.io namespace /instructor (same cookie, site origin only): the live class table and
 * read-only watching of a learner's main terminal. There is no input event: nothing the
 * instructor sends reaches a learner's shell.
 */
/**
 * `dyl_` names our own cookies: the port preview (http/preview-server.ts) strips them from what it
 * forwards to a learner's app and from what that app sets. The preview shares the site's host name,
 * so the browser sends this cookie to it: under any other name, a learner's app would read the
 * instructor's session from the request when the instructor opens that learner's preview.
 */
export const INSTRUCTOR_COOKIE = 'dyl_instructor';
export const INSTRUCTOR_NAMESPACE = '/instructor';

export const instructorStatusSchema = z.object({
  /** INSTRUCTOR_PASSWORD is set: the instructor area exists. */
  configured: z.boolean(),
  /** This browser holds a valid instructor session. */
  signedIn: z.boolean(),
});
export type InstructorStatus = z.infer<typeof instructorStatusSchema>;

export const instructorLoginSchema = z.object({ password: z.string().min(1).max(1024) }).strict();
export const createClassSchema = z.object({ name: z.string().trim().min(1, 'a class needs a name').max(80) }).strict();
export const classIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a class id');
/** A learner as the engine knows them: the hex sha256 of their browser's key. */
export const learnerIdSchema = z.string().regex(/^[0-9a-f]{64}$/, 'not a learner id');

export const classSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  code: z.string(),
  createdAt: z.string(),
  /** Where a learner joins: /join?code=<code>. */
  joinPath: z.string(),
});
export type ClassSummary = z.infer<typeof classSummarySchema>;

export const classTableLessonSchema = z.object({ slug: slugSchema, title: z.string(), totalSteps: z.number().int().nonnegative() });
export type ClassTableLesson = z.infer<typeof classTableLessonSchema>;

export const classTableRowSchema = z.object({
  learner: learnerIdSchema,
  displayName: z.string(),
  joinedAt: z.string(),
  /** One cell per lesson of the table, in the table's lesson order. */
  lessons: z.array(
    z.object({
      lesson: slugSchema,
      passed: z.number().int().nonnegative(),
      total: z.number().int().nonnegative(),
      completedAt: z.string().optional(),
    }),
  ),
  /** The first step not passed of the lesson the learner worked on last (absent: nothing started, or that lesson is done). */
  current: z
    .object({
      lesson: slugSchema,
      lessonTitle: z.string(),
      step: z.string(),
      stepTitle: z.string(),
      /** When the learner got to it: the previous step passed, or the lesson started (ISO). */
      since: z.string().optional(),
    })
    .optional(),
  /** Failed checks of the current step (of every step when there is no current one). */
  failedAttempts: z.number().int().nonnegative(),
  lastFailure: z
    .object({ lesson: slugSchema, step: z.string(), stepTitle: z.string(), message: z.string(), at: z.string() })
    .optional(),
});
export type ClassTableRow = z.infer<typeof classTableRowSchema>;

export const classTableSchema = z.object({
  class: classSummarySchema,
  lessons: z.array(classTableLessonSchema),
  rows: z.array(classTableRowSchema),
  /** When the engine read it (ISO). */
  at: z.string(),
});
export type ClassTable = z.infer<typeof classTableSchema>;

/** One row of the export: a learner's result in one lesson. */
export const lessonResultSchema = z.object({
  name: z.string(),
  learner: learnerIdSchema,
  lesson: slugSchema,
  lessonTitle: z.string(),
  passedSteps: z.number().int().nonnegative(),
  totalSteps: z.number().int().nonnegative(),
  completedAt: z.string().optional(),
  failedAttempts: z.number().int().nonnegative(),
});
export type LessonResult = z.infer<typeof lessonResultSchema>;

export const exportedAttemptSchema = z.object({
  name: z.string(),
  learner: learnerIdSchema,
  lesson: z.string(),
  step: z.string(),
  passed: z.boolean(),
  failedChecks: z.array(z.string()),
  message: z.string().optional(),
  at: z.string(),
  durationMs: z.number(),
});
export type ExportedAttempt = z.infer<typeof exportedAttemptSchema>;

export const classResultsSchema = z.object({
  class: classSummarySchema,
  exportedAt: z.string(),
  results: z.array(lessonResultSchema),
  /** Every check attempt of the class's learners, learner by learner, each learner's in the order recorded. */
  attempts: z.array(exportedAttemptSchema),
});
export type ClassResults = z.infer<typeof classResultsSchema>;

// ---- socket namespace /instructor ----

export const classSubscribeSchema = z.object({ classId: classIdSchema }).strict();
export const watchStartSchema = z
  .object({
    classId: classIdSchema,
    learner: learnerIdSchema,
    /** Output offset the view already holds (0 for a new view): only what follows is sent... */
    since: z.number().int().min(0).default(0),
    /** ...if it holds it of this terminal: the `key` of the watch it continues (else it starts from the oldest output kept). */
    key: z.string().max(64).optional(),
  })
  .strict();
/** The view wrote the watched output up to `offset` (flow control, as terminal:ack). */
export const watchAckSchema = z.object({ offset: z.number().int().min(0) }).strict();
export const watchStopSchema = z.object({}).strict();

export interface WatchStarted {
  displayName: string;
  lesson: string;
  lessonTitle: string;
  /** The learner's terminal size: the view shows their screen as they see it. */
  cols: number;
  rows: number;
  /** Names this learner's terminal: another key (a new sandbox) means the view starts over. */
  key: string;
  /** What the view misses, to write before any watch:output that follows. */
  replay: WatchOutput;
}

export interface WatchOutput {
  offset: number;
  data: string;
}

export interface WatchEnded {
  reason: 'stopped' | 'session-ended' | 'signed-out';
  message: string;
}

export interface InstructorClientEvents {
  /** Shows one class: acks its table, then pushes class:table whenever a learner of it progresses. */
  'class:subscribe': (payload: unknown, ack?: Ack<ClassTable>) => void;
  /** Watches a learner's main terminal, read-only; replaces any other watch of this socket. */
  'watch:start': (payload: unknown, ack?: Ack<WatchStarted>) => void;
  'watch:ack': (payload: unknown) => void;
  'watch:stop': (payload: unknown, ack?: Ack<{ stopped: boolean }>) => void;
}

export interface InstructorServerEvents {
  'class:table': (payload: ClassTable) => void;
  'watch:output': (payload: WatchOutput) => void;
  'watch:size': (payload: { cols: number; rows: number }) => void;
  'watch:ended': (payload: WatchEnded) => void;
  'error:message': (payload: SocketErrorMessage) => void;
}
