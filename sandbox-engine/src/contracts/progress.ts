import { z } from 'zod';
import { slugSchema } from './lesson.js';

/**
 * The learner's progress API (HTTP, learner key in the x-dockyard-learner header, site origin only).
 *
 *   GET  /api/progress                 → { data: ProgressResponse }
 *   PUT  /api/progress/name            { displayName }            → { data: LearnerProfileResponse }
 *   POST /api/progress/events          { lesson, step, kind }     → 204
 *   POST /api/classes/join             { code, displayName }      → { data: { class: { name, code } } }
 *   GET  /api/classes/:code            → { data: { name, code } } (404 when unknown; to show "Join <name>?")
 *
 * Socket (learner's lesson socket): 'lesson:replay' {} → acks { data: { steps } } and emits
 * 'replay:progress' as each passed step's solution is typed into the main terminal.
 */

/** What an instructor's table shows: no control characters, no bidirectional overrides (names that read backwards). */
export const displayNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(60)
  .regex(/^[^\p{Cc}\u202A-\u202E\u2066-\u2069]*$/u, 'a name cannot contain control characters');
export const classCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9]{3}-?[A-Z0-9]{3}$/, 'a class code looks like K7M-2QF');

export const lessonProgressSchema = z.object({
  lesson: slugSchema,
  passedSteps: z.array(z.string()),
  /** Steps of this lesson (from the lesson itself, so pages can say "N of M"). */
  totalSteps: z.number().int().nonnegative(),
  /** First step not passed yet, in lesson order (absent when done). */
  currentStep: z.string().optional(),
  failedSteps: z.array(z.string()),
  hintsOpened: z.array(z.string()),
  solutionsShown: z.array(z.string()),
  startedAt: z.string().optional(),
  completedAt: z.string().optional(),
  lastActivityAt: z.string().optional(),
});
export type LessonProgressResponse = z.infer<typeof lessonProgressSchema>;

export const learnerProfileSchema = z.object({
  displayName: z.string().optional(),
  classes: z.array(z.object({ name: z.string(), code: z.string() })),
});
export type LearnerProfileResponse = z.infer<typeof learnerProfileSchema>;

export const progressResponseSchema = z.object({
  profile: learnerProfileSchema,
  lessons: z.array(lessonProgressSchema),
  /** Slug of the lesson with the latest activity that is not done: the home page's Continue. */
  continueLesson: slugSchema.optional(),
});
export type ProgressResponse = z.infer<typeof progressResponseSchema>;

export const setDisplayNameSchema = z.object({ displayName: displayNameSchema }).strict();
export const progressEventSchema = z
  .object({
    lesson: slugSchema,
    step: z.string().min(1).max(64),
    kind: z.enum(['hint-opened', 'solution-shown']),
  })
  .strict();
export const joinClassSchema = z.object({ code: classCodeSchema, displayName: displayNameSchema }).strict();

export const replayProgressSchema = z.object({
  /** Index (0-based) of the step being replayed among those to replay, and how many there are. */
  index: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  step: z.string(),
  state: z.enum(['typing', 'checking', 'passed', 'failed', 'done']),
  message: z.string().optional(),
});
export type ReplayProgress = z.infer<typeof replayProgressSchema>;
