import { describe, expect, it } from 'vitest';
import { ScrollbackBuffer } from '../../../sandbox-engine/src/terminal/scrollback-buffer.js';
import { resumeOutput } from '../../../sandbox-engine/src/terminal/terminal-journal.js';
import { OutputCursor } from './output-cursor.ts';

describe('OutputCursor', () => {
  it('passes new output through and advances', () => {
    const cursor = new OutputCursor();
    expect(cursor.take(0, 'hello')).toBe('hello');
    expect(cursor.take(5, ' world')).toBe(' world');
    expect(cursor.received).toBe(11);
  });

  it('drops output it already holds (a replay after reconnect)', () => {
    const cursor = new OutputCursor();
    cursor.take(0, 'abcdef');
    expect(cursor.take(0, 'abcdef')).toBe('');
    expect(cursor.take(2, 'cd')).toBe('');
    expect(cursor.received).toBe(6);
  });

  it('keeps only the unseen tail of an overlapping chunk', () => {
    const cursor = new OutputCursor();
    cursor.take(0, 'abcdef');
    expect(cursor.take(4, 'efgh')).toBe('gh');
    expect(cursor.received).toBe(8);
  });

  it('accepts a gap (server scrollback trimmed) and continues from its end', () => {
    const cursor = new OutputCursor();
    expect(cursor.take(100, 'xyz')).toBe('xyz');
    expect(cursor.received).toBe(103);
  });

  it('starts again at 0 after reset', () => {
    const cursor = new OutputCursor();
    cursor.take(0, 'old');
    cursor.reset();
    expect(cursor.take(0, 'new')).toBe('new');
  });
});

describe('OutputCursor after an engine restart (with the engine\'s ScrollbackBuffer and resumeOutput)', () => {
  const notice = '[new shell]\r\n';
  const printed = 'root# ls\r\nfile\r\nroot# ';

  it('a page holding what was saved gets exactly the missing tail: the notice and the new shell', () => {
    const page = new OutputCursor();
    page.take(0, printed.slice(0, 10));
    const server = new ScrollbackBuffer(1000, resumeOutput({ offset: 0, data: printed }, page.received, notice, 1000));
    const replay = server.since(page.received);
    expect(page.take(replay.offset, replay.data)).toBe(printed.slice(10) + notice);
    const next = server.append('root# ');
    expect(page.take(next.offset, next.data)).toBe('root# ');
  });

  it('a page holding more than was saved (lost in a crash) still gets the new shell', () => {
    const page = new OutputCursor();
    page.take(0, printed);
    const saved = { offset: 0, data: printed.slice(0, 10) };
    const server = new ScrollbackBuffer(1000, resumeOutput(saved, page.received, notice, 1000));
    const replay = server.since(page.received);
    expect(page.take(replay.offset, replay.data)).toBe(notice);
    const next = server.append('root# ');
    expect(page.take(next.offset, next.data)).toBe('root# ');
    // A page opened later still gets the saved scrollback (the gap is NULs, which xterm ignores).
    const fresh = new OutputCursor();
    const all = server.since(0);
    expect(fresh.take(all.offset, all.data).replaceAll('\0', '')).toBe(printed.slice(0, 10) + notice + 'root# ');
  });
});
