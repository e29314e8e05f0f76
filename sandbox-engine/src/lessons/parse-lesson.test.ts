import { describe, expect, it } from 'vitest';
import { formatLessonProblem } from './lesson-problem.js';
import { parseLesson } from './parse-lesson.js';

const FILE = 'lessons/run-a-database/content.mdx';

function source(frontmatter: string, body = '<Step id="start" />\n'): string {
  return `---\n${frontmatter}\n---\n\n${body}`;
}

const good = `title: Run a database
summary: Start PostgreSQL.
minutes: 10
order: 3
steps:
  - id: start
    title: Start it
    solution: [docker run -d --name db postgres:15]
    checks:
      - { kind: container, name: db, state: running }`;

function problems(text: string, slug = 'run-a-database'): string[] {
  return parseLesson(FILE, slug, text).problems.map(formatLessonProblem);
}

describe('parseLesson', () => {
  it('returns the lesson with its slug', () => {
    const { lesson, problems: found } = parseLesson(FILE, 'run-a-database', source(good));
    expect(found).toEqual([]);
    expect(lesson).toMatchObject({ slug: 'run-a-database', title: 'Run a database', order: 3, images: [] });
  });

  it('names the file and the field path of each problem', () => {
    const bad = good.replace('kind: container, name: db, state: running', 'kind: container, name: db, state: started');
    expect(problems(source(bad.replace('minutes: 10', 'minutes: ten')))).toEqual([
      `${FILE}: minutes: Expected number, received string`,
      `${FILE}: steps[0].checks[0].state: Invalid enum value. Expected 'exists' | 'running' | 'exited' | 'absent', received 'started'`,
    ]);
  });

  it('names a missing field and an unknown one', () => {
    expect(problems(source(good.replace('summary: Start PostgreSQL.', 'sumary: Start PostgreSQL.')))).toEqual([
      `${FILE}: summary: required (string)`,
      `${FILE}: sumary: unknown field`,
    ]);
  });

  it('gives the file line of a YAML error', () => {
    expect(problems(source(`title: A\ntitle: B\n${good}`))).toEqual([
      `${FILE}: frontmatter line 3: Map keys must be unique`,
      `${FILE}: frontmatter line 4: Map keys must be unique`,
    ]);
  });

  it('needs the frontmatter fences', () => {
    expect(problems('# Title\n')).toEqual([`${FILE}: must start with a --- line opening the YAML frontmatter`]);
    expect(problems(`---\n${good}\n`)).toEqual([`${FILE}: the YAML frontmatter has no closing --- line`]);
  });

  it('rejects a folder name that is no slug', () => {
    expect(problems(source(good), 'Run_A_Database')).toEqual([
      `${FILE}: folder name: "Run_A_Database" must be lowercase words joined by hyphens (e.g. run-the-database)`,
    ]);
  });

  it('checks the body against the steps, even when the frontmatter has other problems', () => {
    const body = '\n<Step id="stat" />\n';
    expect(problems(source(good.replace('order: 3', 'order: -1'), body))).toEqual([
      `${FILE}: order: Number must be greater than or equal to 0`,
      `${FILE}: body line 15: <Step id="stat"> matches no step in the frontmatter (steps: start)`,
      `${FILE}: steps[0].id: step "start" has no <Step id="start"> in the body`,
    ]);
  });

  it('accepts a BOM and CRLF line ends', () => {
    expect(parseLesson(FILE, 'run-a-database', `\uFEFF${source(good)}`.replaceAll('\n', '\r\n')).problems).toEqual([]);
  });
});
