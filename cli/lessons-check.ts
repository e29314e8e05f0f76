/**
 * `npm run lessons:check [DIR...]`: validates every lesson under the repository's lessons/ (or the
 * folders given), prints each problem as `file: field: message` and exits 1 if there is any;
 * otherwise prints one line per lesson.
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCatalogImage } from '../infra/images/catalog.js';
import { formatLessonProblem } from '../sandbox-engine/src/lessons/lesson-problem.js';
import { lintLessons } from '../sandbox-engine/src/lessons/lint-lessons.js';

const repoLessons = fileURLToPath(new URL('../lessons', import.meta.url));
const args = process.argv.slice(2);
const dirs = args.length > 0 ? args : [relative(process.cwd(), repoLessons) || '.'];

const { lessons, problems } = await lintLessons(dirs, findCatalogImage);

if (problems.length > 0) {
  for (const problem of problems) console.error(formatLessonProblem(problem));
  console.error(`\n${problems.length} problem${problems.length === 1 ? '' : 's'} in ${dirs.join(', ')}`);
  process.exitCode = 1;
} else {
  for (const { lesson } of lessons) {
    const checks = lesson.steps.reduce((count, step) => count + step.checks.length, 0);
    console.log(`${lesson.slug}: "${lesson.title}", ${lesson.steps.length} steps, ${checks} checks`);
  }
  console.log(`${lessons.length} lesson${lessons.length === 1 ? '' : 's'} valid`);
}
