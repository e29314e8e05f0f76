import { checkLessonSet, type FindImage } from './check-lesson-set.js';
import { compareLessons } from './load-lessons.js';
import { LESSON_FILE_NAME, readLessons, type LessonFile, type LessonsRead } from './read-lessons.js';

/**
 * Validates every lesson under each of `dirs` and the lessons as a set (slugs, order,
 * prerequisites, catalog images), collecting all problems rather than stopping at the first.
 * Lessons come back in list order.
 */
export async function lintLessons(dirs: readonly string[], findImage: FindImage): Promise<LessonsRead> {
  const lessons: LessonFile[] = [];
  const problems: LessonsRead['problems'] = [];
  for (const dir of dirs) {
    const read = await readLessons(dir);
    if (read.lessons.length === 0 && read.problems.length === 0) {
      problems.push({ file: dir, message: `no lessons found (expected <slug>/${LESSON_FILE_NAME} folders)` });
    }
    lessons.push(...read.lessons);
    problems.push(...read.problems);
  }
  problems.push(...checkLessonSet(lessons, findImage));
  return { lessons: lessons.sort((a, b) => compareLessons(a.lesson, b.lesson)), problems };
}
