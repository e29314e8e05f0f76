import type { Lesson } from '../contracts/lesson.js';
import { LessonError } from './lesson-error.js';
import { readLesson, readLessons } from './read-lessons.js';

/** List order: by `order`, then by slug. */
export function compareLessons(a: Lesson, b: Lesson): number {
  return a.order - b.order || a.slug.localeCompare(b.slug);
}

/** One lesson file (lessons/<slug>/content.mdx); throws a LessonError naming every problem. */
export async function loadLesson(file: string): Promise<Lesson> {
  const { lesson, problems } = await readLesson(file);
  if (!lesson || problems.length > 0) throw new LessonError(problems);
  return lesson;
}

/** Every lesson under `dir`, sorted by order; throws a LessonError naming every problem of every lesson. */
export async function loadLessons(dir: string): Promise<Lesson[]> {
  const { lessons, problems } = await readLessons(dir);
  if (problems.length > 0) throw new LessonError(problems);
  return lessons.map(({ lesson }) => lesson).sort(compareLessons);
}
