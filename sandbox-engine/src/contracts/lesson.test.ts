import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkerSchema } from './checker.js';
import { lessonFrontmatterSchema } from './lesson.js';

function goodLesson() {
  return {
    title: 'Postgres in a container',
    summary: 'Start PostgreSQL and connect to it.',
    minutes: 15,
    order: 1,
    images: ['postgres:15'],
    steps: [
      {
        id: 'start-the-database',
        title: 'Start the database',
        hint: 'Use docker run -d',
        solution: ['docker run -d --name db -p 5432:5432 -e POSTGRES_PASSWORD=docker postgres:15'],
        checks: [
          { kind: 'container', name: 'db', state: 'running', image: 'postgres:15', env: { POSTGRES_PASSWORD: 'docker' }, publishedPorts: [5432] },
          { kind: 'port', container: 'db', containerPort: 5432 },
        ],
      },
      {
        id: 'query-it',
        title: 'Query it',
        solution: ["psql -h 127.0.0.1 -U postgres -c 'select 1'"],
        checks: [
          { kind: 'command', run: "psql -h 127.0.0.1 -U postgres -tAc 'select 42'", stdout: '^42$' },
          { kind: 'history', pattern: '^psql ' },
          { kind: 'port', protocol: 'http', port: 8080, status: 200, body: 'ok' },
        ],
      },
    ],
  };
}

/** The issues of parsing `lesson`, as "path: message". */
function issues(lesson: unknown): string[] {
  const result = lessonFrontmatterSchema.safeParse(lesson);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('lessonFrontmatterSchema', () => {
  it('accepts a good lesson and fills in the defaults', () => {
    const lesson = lessonFrontmatterSchema.parse(goodLesson());
    expect(lesson.prerequisites).toEqual([]);
    expect(lesson.steps[1]?.checks[0]).toMatchObject({ kind: 'command', exitCode: 0 });
    expect(lesson.steps[0]?.checks[1]).toMatchObject({ kind: 'port', protocol: 'tcp', path: '/' });
  });

  it('names the field of an unknown checker kind', () => {
    const lesson = goodLesson();
    (lesson.steps[1]!.checks as unknown[])[0] = { kind: 'volume', name: 'pgdata' };
    expect(issues(lesson)).toEqual([
      "steps.1.checks.0.kind: Invalid discriminator value. Expected 'container' | 'command' | 'port' | 'history' | 'file'",
    ]);
  });

  it('rejects a regular expression that does not compile', () => {
    const lesson = goodLesson();
    (lesson.steps[1]!.checks[0] as { stdout: string }).stdout = '(unclosed';
    expect(issues(lesson)).toEqual(['steps.1.checks.0.stdout: must be a valid regular expression']);
  });

  it('rejects a port checker without a port, or with both ways of naming one', () => {
    const lesson = goodLesson();
    (lesson.steps[1]!.checks as unknown[])[2] = { kind: 'port', protocol: 'http' };
    expect(issues(lesson)).toEqual(['steps.1.checks.2.port: a port checker needs either port, or both container and containerPort']);
    (lesson.steps[1]!.checks as unknown[])[2] = { kind: 'port', port: 8080, container: 'web', containerPort: 80 };
    expect(issues(lesson)).toHaveLength(1);
  });

  it('rejects duplicate step ids, together with other problems', () => {
    const lesson = goodLesson();
    lesson.steps[1]!.id = 'start-the-database';
    lesson.minutes = 0;
    expect(issues(lesson)).toEqual(['minutes: Number must be greater than or equal to 1', 'steps.1.id: duplicate step id "start-the-database"']);
  });

  it('accepts carried-over checks beside one that shows the step was done, not a step of carried-over checks only', () => {
    const lesson = goodLesson();
    (lesson.steps[1]!.checks[2] as { carriedOver?: boolean }).carriedOver = true;
    expect(issues(lesson)).toEqual([]);
    for (const check of lesson.steps[1]!.checks) (check as { carriedOver?: boolean }).carriedOver = true;
    expect(issues(lesson)).toEqual([
      'steps.1.checks: every check is carriedOver: at least one must fail before the solution and pass after it, to show the step was done',
    ]);
  });

  it('rejects unknown fields and an image without a tag', () => {
    expect(issues({ ...goodLesson(), images: ['postgres'], author: 'me' })).toEqual([
      'images.0: must be name:tag, e.g. postgres:15',
      ": Unrecognized key(s) in object: 'author'",
    ]);
  });

  it('stays a plain object schema that consumers can extend', () => {
    const extended = lessonFrontmatterSchema.extend({ draft: z.boolean().default(false) });
    expect(extended.parse(goodLesson()).draft).toBe(false);
  });
});

describe('checkerSchema', () => {
  it('rejects fields that would be silently ignored', () => {
    const absent = checkerSchema.safeParse({ kind: 'container', name: 'db', state: 'absent', image: 'postgres:15' });
    expect(absent.success ? [] : absent.error.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['image', 'cannot be checked when state is absent']]);
    const tcp = checkerSchema.safeParse({ kind: 'port', port: 80, status: 200 });
    expect(tcp.success ? [] : tcp.error.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['status', 'only checked with protocol: http']]);
  });

  it('rejects an environment value that YAML read as a number', () => {
    expect(checkerSchema.safeParse({ kind: 'container', name: 'db', state: 'running', env: { PGPORT: 5432 } }).success).toBe(false);
  });
});
