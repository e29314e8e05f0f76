import { parseDocument } from 'yaml';
import { lessonFrontmatterSchema, slugSchema, type Lesson } from '../contracts/lesson.js';
import { checkStepMarkers } from './check-step-markers.js';
import { findStepMarkers } from './find-step-markers.js';
import { frontmatterProblems } from './frontmatter-problems.js';
import type { LessonProblem } from './lesson-problem.js';
import { splitFrontmatter } from './split-frontmatter.js';

/** A lesson file read: the lesson when nothing is wrong, else every problem found. */
export interface ParsedLesson {
  lesson?: Lesson;
  problems: LessonProblem[];
}

/** The step ids of frontmatter that did not validate, when they can still be read. */
function rawStepIds(frontmatter: unknown): string[] | undefined {
  const steps = (frontmatter as { steps?: unknown } | null)?.steps;
  if (!Array.isArray(steps)) return undefined;
  const ids = steps.map((step) => (step as { id?: unknown } | null)?.id);
  return ids.every((id): id is string => typeof id === 'string') ? ids : undefined;
}

/**
 * Validates one lesson file: its folder name (the slug), its YAML frontmatter against
 * lessonFrontmatterSchema, and the `<Step id="...">` of its body against the frontmatter steps.
 * `file` is only used to name the problems.
 */
export function parseLesson(file: string, slug: string, source: string): ParsedLesson {
  const problems: LessonProblem[] = [];
  const add = (field: string | undefined, message: string) => problems.push({ file, ...(field ? { field } : {}), message });

  const slugCheck = slugSchema.safeParse(slug);
  if (!slugCheck.success) add('folder name', `"${slug}" ${slugCheck.error.issues[0]?.message ?? 'is not a valid slug'}`);

  const parts = splitFrontmatter(source);
  if (typeof parts === 'string') {
    add(undefined, parts);
    return { problems };
  }

  const document = parseDocument(parts.yaml, { prettyErrors: false });
  if (document.errors.length > 0) {
    for (const error of document.errors) {
      const line = parts.yamlFirstLine + (parts.yaml.slice(0, error.pos[0]).match(/\n/g)?.length ?? 0);
      add(`frontmatter line ${line}`, error.message);
    }
    return { problems };
  }
  const frontmatter: unknown = document.toJS();

  const parsed = lessonFrontmatterSchema.safeParse(frontmatter);
  if (!parsed.success) for (const { field, message } of frontmatterProblems(parsed.error.issues)) add(field, message);

  const stepIds = parsed.success ? parsed.data.steps.map((step) => step.id) : rawStepIds(frontmatter);
  if (stepIds !== undefined) {
    for (const { field, message } of checkStepMarkers(stepIds, findStepMarkers(parts.body, parts.bodyFirstLine))) add(field, message);
  }

  if (problems.length > 0 || !parsed.success) return { problems };
  return { lesson: { ...parsed.data, slug }, problems };
}
