import { describe, expect, it } from 'vitest';
import { isRunnableMeta, labelFromMeta, terminalFromMeta } from './shiki-runnable-blocks.ts';

describe('isRunnableMeta', () => {
  it.each([
    ['run', true],
    ['run label="psql"', true],
    ['title="x" run', true],
    ['', false],
    [undefined, false],
    ['running', false],
    ['rerun', false],
  ])('%s → %s', (meta, expected) => {
    expect(isRunnableMeta(meta)).toBe(expected);
  });
});

describe('labelFromMeta', () => {
  it('reads quoted and bare labels', () => {
    expect(labelFromMeta('run label="inside psql"')).toBe('inside psql');
    expect(labelFromMeta('run label=psql')).toBe('psql');
    expect(labelFromMeta('run')).toBeUndefined();
  });
});

describe('terminalFromMeta', () => {
  it('reads quoted and bare terminal names', () => {
    expect(terminalFromMeta('run terminal="2"')).toBe('2');
    expect(terminalFromMeta('run terminal=logs label=x')).toBe('logs');
    expect(terminalFromMeta('run terminal="build shell"')).toBe('build shell');
    expect(terminalFromMeta('run')).toBeUndefined();
    expect(terminalFromMeta('run terminal=""')).toBeUndefined();
  });
});
