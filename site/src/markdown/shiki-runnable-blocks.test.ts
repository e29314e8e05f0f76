import { describe, expect, it } from 'vitest';
import { codeToHtml } from 'shiki';
import { isOutputBlock, isRunnableMeta, labelFromMeta, runnableCodeBlocks, terminalFromMeta } from './shiki-runnable-blocks.ts';

const render = (code: string, lang: string, meta = '') =>
  codeToHtml(code, { lang, theme: 'github-dark-default', meta: { __raw: meta }, transformers: [runnableCodeBlocks()] });

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

describe('isOutputBlock', () => {
  it.each([
    ['text', '', true],
    ['txt', '', true],
    ['plaintext', '', true],
    ['yaml', 'output', true],
    ['text', 'run', false],
    ['bash', '', false],
    ['dockerfile', '', false],
    [undefined, '', false],
  ])('%s %s → %s', (lang, meta, expected) => {
    expect(isOutputBlock(lang, meta)).toBe(expected);
  });
});

describe('runnableCodeBlocks', () => {
  it('gives a run block its toolbar with Run and Copy', async () => {
    const html = await render('docker ps', 'bash', 'run');
    expect(html).toMatch(/^<div class="code-block" data-code-block="">/);
    expect(html).toContain('data-action="run"');
    expect(html).toContain('data-run');
  });

  it('makes an output sample a figure captioned Output, without buttons or theme colours', async () => {
    const html = await render('CONTAINER ID   IMAGE', 'text');
    expect(html).toMatch(/^<figure class="output-block" data-output-block=""><figcaption class="output-label">Output<\/figcaption><pre /);
    expect(html).not.toContain('data-action');
    expect(html).not.toContain('background-color');
    expect(html).not.toMatch(/<span style=/);
  });

  it('leaves other blocks alone', async () => {
    const html = await render('FROM debian', 'dockerfile');
    expect(html).toMatch(/^<pre class="shiki/);
    expect(html).not.toContain('output');
  });
});
