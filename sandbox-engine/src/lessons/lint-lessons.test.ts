import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FindImage } from './check-lesson-set.js';
import { formatLessonProblem } from './lesson-problem.js';
import { lintLessons } from './lint-lessons.js';

const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url));

/** A stand-in for infra/images/catalog.ts. */
const catalog: FindImage = (ref) =>
  ({
    'postgres:15': { servedToSandboxes: true },
    'debian:bookworm': { servedToSandboxes: true },
    'dockyard/sandbox:latest': { servedToSandboxes: false },
  })[ref];

async function lint(...dirs: string[]) {
  const report = await lintLessons(dirs.map((dir) => join(fixtures, dir)), catalog);
  return { ...report, lines: report.problems.map((p) => formatLessonProblem(p).replaceAll(`${fixtures}/`, '')) };
}

describe('lintLessons', () => {
  it('passes valid lessons whose images the catalog serves', async () => {
    const { lessons, lines } = await lint('valid');
    expect(lines).toEqual([]);
    expect(lessons.map(({ lesson }) => lesson.slug)).toEqual(['hello-container', 'postgres-in-a-container']);
  });

  it('reports lessons that are valid alone but wrong together', async () => {
    const { lines } = await lint('set-problems');
    expect(lines).toEqual([
      'set-problems/second-lesson/content.mdx: order: order 1 is also used by set-problems/first-lesson/content.mdx',
      'set-problems/first-lesson/content.mdx: prerequisites[0]: a lesson cannot require itself',
      'set-problems/second-lesson/content.mdx: prerequisites[0]: no lesson has the slug "zeroth-lesson"',
      'set-problems/second-lesson/content.mdx: images[0]: mysql:8 is not in the image catalog (infra/images/catalog.ts)',
      'set-problems/second-lesson/content.mdx: images[1]: dockyard/sandbox:latest is in the image catalog but not served to sandboxes',
    ]);
  });

  it('collects all problems of all folders, and flags a folder without lessons', async () => {
    const { lines, lessons } = await lint('valid', 'broken', 'empty');
    expect(lessons).toHaveLength(2);
    expect(lines).toHaveLength(15);
    expect(lines.at(0)).toBe('broken/Bad_Name/content.mdx: folder name: "Bad_Name" must be lowercase words joined by hyphens (e.g. run-the-database)');
    expect(lines).toContain('empty: no lessons found (expected <slug>/content.mdx folders)');
  });

  it('finds the same slug in two folders', async () => {
    const { lines } = await lint('valid', 'valid');
    expect(lines).toContain('valid/hello-container/content.mdx: folder name: slug "hello-container" is also used by valid/hello-container/content.mdx');
  });
});
