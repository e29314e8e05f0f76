import { describe, expect, it } from 'vitest';
import { remarkLessonSteps } from './remark-lesson-steps.ts';

const steps = [
  { id: 'one', title: 'First', hint: 'Try harder', solution: ['docker ps', 'docker port db 5432'] },
  { id: 'two', title: 'Second', open: 'web/Dockerfile' },
];

function stepNode(id: string | undefined, line: number) {
  return {
    type: 'mdxJsxFlowElement',
    name: 'Step',
    attributes: id === undefined ? [] : [{ type: 'mdxJsxAttribute' as const, name: 'id', value: id }],
    children: [],
    position: { start: { line, column: 1 } },
  };
}

function run(ids: (string | undefined)[], path = '/repo/lessons/demo/content.mdx') {
  const tree = { type: 'root', children: ids.map((id, index) => stepNode(id, 10 + index)) };
  remarkLessonSteps()(tree, { path, data: { astro: { frontmatter: { steps } } } });
  return tree;
}

const attributes = (node: { attributes: { name?: string; value?: unknown }[] }) =>
  Object.fromEntries(node.attributes.map((a) => [a.name, a.value]));

describe('remarkLessonSteps', () => {
  it('adds number, title, hint, open and solution to each <Step>', () => {
    const tree = run(['one', 'two']);
    expect(attributes(tree.children[0]!)).toEqual({ id: 'one', number: '1', title: 'First', hint: 'Try harder', solution: '["docker ps","docker port db 5432"]' });
    expect(attributes(tree.children[1]!)).toEqual({ id: 'two', number: '2', title: 'Second', open: 'web/Dockerfile' });
  });

  it('fails on an unknown id, naming the file, line and id', () => {
    expect(() => run(['one', 'tow'])).toThrow(/lessons\/demo\/content\.mdx:11:1: <Step id="tow"> matches no step/);
  });

  it('fails on a missing id, a duplicate, the wrong order and a step left out', () => {
    expect(() => run([undefined, 'two'])).toThrow(/needs an id attribute/);
    expect(() => run(['one', 'one'])).toThrow(/appears twice/);
    expect(() => run(['two', 'one'])).toThrow(/out of order/);
    expect(() => run(['one'])).toThrow(/step "two" has no <Step id="two"> in the body/);
  });

  it('leaves files outside lessons/ alone', () => {
    expect(() => run(['nope'], '/repo/site/src/pages/about.mdx')).not.toThrow();
  });
});
