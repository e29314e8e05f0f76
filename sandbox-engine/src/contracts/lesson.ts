import { z } from 'zod';
import { checkerSchema } from './checker.js';

export const slugSchema = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lowercase words joined by hyphens (e.g. run-the-database)');

/** An image reference as a learner types it: name[:tag], e.g. postgres:15 or debian:bookworm. */
export const imageRefSchema = z
  .string()
  .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*:[\w][\w.-]{0,127}$/, 'must be name:tag, e.g. postgres:15')
  .describe('image reference with an explicit tag, e.g. postgres:15');

export const stepSchema = z
  .object({
    id: slugSchema.describe('matches <Step id="..."> in the lesson body'),
    title: z.string().min(1),
    hint: z.string().min(1).optional().describe('shown when a check of this step fails'),
    solution: z
      .array(z.string().min(1))
      .min(1)
      .describe('commands, run in order in the sandbox host shell, that complete this step'),
    checks: z.array(checkerSchema).min(1).describe('all must pass for the step to pass'),
    open: z
      .string()
      .min(1)
      .optional()
      .describe('file (relative to the working directory /root) this step opens in the editor'),
  })
  .strict();

export const lessonFrontmatterSchema = z
  .object({
    title: z.string().min(1),
    summary: z.string().min(1).max(200).describe('one or two sentences shown in the lesson list'),
    minutes: z.number().int().min(1).max(240).describe('estimated time to complete'),
    order: z.number().int().min(0).describe('position in the lesson list (ascending)'),
    prerequisites: z.array(slugSchema).default([]).describe('slugs of lessons to take first'),
    images: z.array(imageRefSchema).default([]).describe('images preloaded in every sandbox of this lesson'),
    steps: z
      .array(stepSchema)
      .min(1)
      // Checked on the array (not the lesson) so the lesson schema stays a plain ZodObject that
      // consumers can .extend(), and duplicates are reported even when another field is wrong.
      .superRefine((steps, ctx) => {
        const seen = new Set<string>();
        steps.forEach((step, index) => {
          if (seen.has(step.id)) {
            ctx.addIssue({ code: z.ZodIssueCode.custom, path: [index, 'id'], message: `duplicate step id "${step.id}"` });
          }
          seen.add(step.id);
          if (step.checks.length > 0 && step.checks.every((check) => check.carriedOver)) {
            ctx.addIssue({
              code: z.ZodIssueCode.custom,
              path: [index, 'checks'],
              message: 'every check is carriedOver: at least one must fail before the solution and pass after it, to show the step was done',
            });
          }
        });
      })
      .describe('in the order they appear in the body'),
  })
  .strict();

export type Step = z.infer<typeof stepSchema>;
export type LessonFrontmatter = z.infer<typeof lessonFrontmatterSchema>;
/** A lesson as the engine knows it: its slug (folder name) and validated frontmatter. */
export type Lesson = LessonFrontmatter & { slug: string };
