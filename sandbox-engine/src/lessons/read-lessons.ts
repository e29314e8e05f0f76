import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Lesson } from '../contracts/lesson.js';
import type { LessonProblem } from './lesson-problem.js';
import { parseLesson, type ParsedLesson } from './parse-lesson.js';

/** The file every lesson folder holds: lessons/<slug>/content.mdx. */
export const LESSON_FILE_NAME = 'content.mdx';

export interface LessonFile {
  file: string;
  lesson: Lesson;
}

export interface LessonsRead {
  lessons: LessonFile[];
  problems: LessonProblem[];
}

function errorText(error: unknown): string {
  return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : String((error as Error).message ?? error);
}

/** Reads and validates lessons/<slug>/content.mdx; the slug is the folder name. Never rejects. */
export async function readLesson(file: string): Promise<ParsedLesson> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (error) {
    return { problems: [{ file, message: `cannot be read: ${errorText(error)}` }] };
  }
  return parseLesson(file, basename(dirname(file)), source);
}

/**
 * Every lesson under `dir` (one folder per lesson; folders starting with . or _ are skipped), with
 * every problem found in any of them. Never rejects; a missing `dir` is a problem.
 */
export async function readLessons(dir: string): Promise<LessonsRead> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    return { lessons: [], problems: [{ file: dir, message: `lesson folder ${errorText(error)}` }] };
  }
  const folders = entries
    // A symlink to a lesson folder counts too (authors gather the lessons they work on that way).
    .filter((entry) => (entry.isDirectory() || entry.isSymbolicLink()) && !/^[._]/.test(entry.name))
    .map((entry) => entry.name)
    .sort();
  const read = await Promise.all(folders.map(async (folder) => {
    const file = join(dir, folder, LESSON_FILE_NAME);
    return { file, ...(await readLesson(file)) };
  }));
  return {
    lessons: read.flatMap(({ file, lesson }) => (lesson ? [{ file, lesson }] : [])),
    problems: read.flatMap(({ problems }) => problems),
  };
}
