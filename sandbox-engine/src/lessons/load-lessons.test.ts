import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LessonError } from './lesson-error.js';
import { loadLesson, loadLessons } from './load-lessons.js';

const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url));

async function loadError(load: Promise<unknown>): Promise<LessonError> {
  const error = await load.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(LessonError);
  return error as LessonError;
}

describe('loadLessons', () => {
  it('loads every lesson folder, sorted by order', async () => {
    const lessons = await loadLessons(join(fixtures, 'valid'));
    expect(lessons.map((lesson) => [lesson.slug, lesson.order, lesson.steps.length])).toEqual([
      ['hello-container', 1, 2],
      ['postgres-in-a-container', 2, 3],
    ]);
    expect(lessons[1]?.steps[0]?.checks[1]).toEqual({ kind: 'port', protocol: 'tcp', container: 'db', containerPort: 5432, path: '/', timeoutMs: 5000 });
  });

  it('names the file and the field path', async () => {
    const error = await loadError(loadLessons(join(fixtures, 'unknown-kind')));
    expect(error.message).toBe(
      `${join(fixtures, 'unknown-kind/postgres-in-a-container/content.mdx')}: steps[2].checks[0].kind: ` +
        "Invalid discriminator value. Expected 'container' | 'command' | 'port' | 'history' | 'file'",
    );
    expect(error.problems).toEqual([
      {
        file: join(fixtures, 'unknown-kind/postgres-in-a-container/content.mdx'),
        field: 'steps[2].checks[0].kind',
        message: "Invalid discriminator value. Expected 'container' | 'command' | 'port' | 'history' | 'file'",
      },
    ]);
  });

  it('names every problem of every lesson, one line each', async () => {
    const error = await loadError(loadLessons(join(fixtures, 'broken')));
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(error.problems.length);
    expect(new Set(error.problems.map((p) => p.file.slice(fixtures.length + 1)))).toEqual(
      new Set([
        'broken/Bad_Name/content.mdx',
        'broken/bad-yaml/content.mdx',
        'broken/body-mismatch/content.mdx',
        'broken/no-content/content.mdx',
        'broken/no-frontmatter/content.mdx',
      ]),
    );
    expect(lines).toContain(`${join(fixtures, 'broken/bad-yaml/content.mdx')}: frontmatter line 5: Map keys must be unique`);
    expect(lines).toContain(`${join(fixtures, 'broken/no-content/content.mdx')}: cannot be read: does not exist`);
  });

  it('reports a missing folder', async () => {
    const error = await loadError(loadLessons(join(fixtures, 'missing')));
    expect(error.message).toBe(`${join(fixtures, 'missing')}: lesson folder does not exist`);
  });
});

describe('loadLesson', () => {
  it('loads one lesson file', async () => {
    const lesson = await loadLesson(join(fixtures, 'valid/hello-container/content.mdx'));
    expect(lesson).toMatchObject({ slug: 'hello-container', images: ['debian:bookworm'] });
  });

  it('lists the schema and body problems of one file together', async () => {
    const file = join(fixtures, 'broken/body-mismatch/content.mdx');
    const error = await loadError(loadLesson(file));
    expect(error.problems.map((p) => p.field)).toEqual([
      'steps[0].checks[0].port',
      'steps[1].checks[0].stdout',
      'steps[1].checks[0].timeout',
      'steps[3].solution',
      'steps[3].checks',
      'body line 32',
      'body line 34',
      'body line 36',
      'steps[3].id',
      'body line 28',
    ]);
    expect(error.problems.every((p) => p.file === file)).toBe(true);
  });
});
