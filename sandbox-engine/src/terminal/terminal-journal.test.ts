import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScrollbackBuffer } from './scrollback-buffer.js';
import { readTerminalJournal, resumeOutput, TerminalJournal } from './terminal-journal.js';

describe('resumeOutput', () => {
  const saved = { offset: 100, data: 'abcdef' }; // ends at 106

  it('continues right after the saved output, with the notice', () => {
    expect(resumeOutput(saved, 0, '!', 1000)).toEqual({ offset: 100, data: 'abcdef!' });
    expect(resumeOutput(saved, 106, '!', 1000)).toEqual({ offset: 100, data: 'abcdef!' });
  });

  it('continues after what the page holds when it holds more than was saved', () => {
    const resumed = resumeOutput(saved, 110, '!', 1000);
    expect(resumed).toEqual({ offset: 100, data: 'abcdef\0\0\0\0!' });
    // The page that holds 110 gets the notice and nothing it takes for seen output.
    const buffer = new ScrollbackBuffer(1000, resumed);
    expect(buffer.since(110)).toEqual({ offset: 110, data: '!' });
    // A new page still gets the saved scrollback.
    expect(buffer.since(0).data.startsWith('abcdef')).toBe(true);
  });

  it('does not pad a gap longer than the scrollback', () => {
    expect(resumeOutput(saved, 1_000_000, '!', 1000)).toEqual({ offset: 1_000_000, data: '!' });
  });
});

describe('TerminalJournal', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'terminal-journal-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes nothing until flushed, then the output with its offsets', async () => {
    const file = path.join(dir, 'main.out');
    const journal = new TerminalJournal(file, 100);
    journal.record({ offset: 0, data: 'hello ' });
    journal.record({ offset: 6, data: 'wörld' });
    await expect(stat(file)).rejects.toThrow();
    await journal.flush();
    expect(await readTerminalJournal(file)).toEqual({ offset: 0, data: 'hello wörld' });
    journal.record({ offset: 11, data: '!' });
    await journal.flush();
    expect(await readTerminalJournal(file)).toEqual({ offset: 0, data: 'hello wörld!' });
    expect(journal.dirty).toBe(false);
  });

  it('starts from restored output and keeps its offsets', async () => {
    const file = path.join(dir, 'main.out');
    const journal = new TerminalJournal(file, 100, { offset: 5000, data: 'old\r\n' });
    journal.record({ offset: 5005, data: 'new' });
    await journal.flush();
    expect(await readTerminalJournal(file)).toEqual({ offset: 5000, data: 'old\r\nnew' });
  });

  it('stays under twice the limit, keeping the last `limit` characters', async () => {
    const file = path.join(dir, 'main.out');
    const journal = new TerminalJournal(file, 100);
    let offset = 0;
    const line = (n: number) => `line ${String(n).padStart(4, '0')}\n`; // 10 characters
    for (let n = 0; n < 500; n += 1) {
      journal.record({ offset, data: line(n) });
      offset += 10;
      if (n % 7 === 0) await journal.flush();
      const saved = await readTerminalJournal(file);
      if (saved) expect(saved.data.length).toBeLessThanOrEqual(200);
    }
    await journal.flush();
    const saved = (await readTerminalJournal(file))!;
    expect(saved.offset + saved.data.length).toBe(5000);
    expect(saved.data.endsWith(line(499))).toBe(true);
    expect(saved.data.length).toBeGreaterThanOrEqual(100);
  });

  it('keeps only the last `limit` characters of a flood between two flushes', async () => {
    const file = path.join(dir, 'main.out');
    const journal = new TerminalJournal(file, 100);
    journal.record({ offset: 0, data: 'x'.repeat(10_000) + 'END' });
    await journal.flush();
    const saved = (await readTerminalJournal(file))!;
    expect(saved.data).toHaveLength(100);
    expect(saved.offset).toBe(10_003 - 100);
    expect(saved.data.endsWith('END')).toBe(true);
  });

  it('reads a damaged file as no scrollback', async () => {
    const file = path.join(dir, 'bad.out');
    await writeFile(file, 'not a header\nabc');
    expect(await readTerminalJournal(file)).toBeUndefined();
    expect(await readTerminalJournal(path.join(dir, 'missing.out'))).toBeUndefined();
    expect((await readFile(file, 'utf8')).length).toBe(16);
  });
});
