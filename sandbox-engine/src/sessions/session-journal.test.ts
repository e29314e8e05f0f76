import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.js';
import { ScrollbackBuffer } from '../terminal/scrollback-buffer.js';
import { RESTART_NOTICE } from '../terminal/terminal-journal.js';
import { SessionJournal, type JournaledSession } from './session-journal.js';

const session = (id: string): JournaledSession => ({
  id,
  ended: false,
  terminalNames: new Map([['main', 'Terminal 1']]),
  passedSteps: new Set<string>(),
});

describe('SessionJournal', () => {
  let dir: string;
  const log = createLogger('error');
  const journalIn = (instance = 'inst') => new SessionJournal({ dir, instance, scrollbackChars: 1000, log });

  beforeEach(async () => {
    dir = path.join(await mkdtemp(path.join(tmpdir(), 'session-journal-')), 'sessions');
  });
  afterEach(() => rm(path.dirname(dir), { recursive: true, force: true }));

  it('gives a new engine the tabs, passed steps and scrollback of a session, offsets continuing', async () => {
    const before = session('abc123');
    const first = journalIn();
    first.start(() => [before]);
    const recorder = first.terminal(before, 'main');
    recorder.record({ offset: 0, data: 'root@sbx:~# echo marker-42\r\nmarker-42\r\n' });
    before.terminalNames.set('t2', 'Build');
    first.terminal(before, 't2').record({ offset: 0, data: 'second tab' });
    before.passedSteps.add('run-postgres');
    await first.flush();

    const after = session('abc123');
    const second = journalIn();
    await second.restore([after]);
    expect([...after.terminalNames]).toEqual([
      ['main', 'Terminal 1'],
      ['t2', 'Build'],
    ]);
    expect([...after.passedSteps]).toEqual(['run-postgres']);

    // The page held everything: it gets exactly the notice, at the offset where its output ended.
    const held = 'root@sbx:~# echo marker-42\r\nmarker-42\r\n'.length;
    const buffer = new ScrollbackBuffer(1000, second.terminal(after, 'main', held).initial);
    expect(buffer.since(held)).toEqual({ offset: held, data: RESTART_NOTICE });
    expect(buffer.since(0).data).toContain('marker-42');
    expect(second.terminal(after, 't2', 0).initial?.data).toBe(`second tab${RESTART_NOTICE}`);
  });

  it('restores only once: a terminal started again later is a fresh one', async () => {
    const before = session('abc123');
    const first = journalIn();
    first.start(() => [before]);
    first.terminal(before, 'main').record({ offset: 0, data: 'old' });
    await first.flush();
    const after = session('abc123');
    const second = journalIn();
    await second.restore([after]);
    expect(second.terminal(after, 'main').initial).toBeDefined();
    expect(second.terminal(after, 'main').initial).toBeUndefined();
  });

  it('writes nothing for a session with nothing new', async () => {
    const quiet = session('abc123');
    const journal = journalIn();
    journal.start(() => [quiet]);
    await journal.flush();
    const files = await readdir(path.join(dir, 'inst-abc123'));
    expect(files).toEqual(['session.json']);
    await rm(path.join(dir, 'inst-abc123', 'session.json'));
    await journal.flush();
    expect(await readdir(path.join(dir, 'inst-abc123'))).toEqual([]);
  });

  it('deletes the file of a closed terminal', async () => {
    const live = session('abc123');
    const journal = journalIn();
    journal.start(() => [live]);
    live.terminalNames.set('t2', 'Terminal 2');
    journal.terminal(live, 't2').record({ offset: 0, data: 'x' });
    await journal.flush();
    expect(existsSync(path.join(dir, 'inst-abc123', 't2.out'))).toBe(true);
    live.terminalNames.delete('t2');
    await journal.flush();
    expect(existsSync(path.join(dir, 'inst-abc123', 't2.out'))).toBe(false);
  });

  it('removes a session\'s directory with it, and on restore those of sessions that are gone', async () => {
    const kept = session('aaa111');
    const ended = session('bbb222');
    const journal = journalIn();
    journal.start(() => [kept, ended]);
    await journal.flush();
    await journal.remove('bbb222');
    expect(await readdir(dir)).toEqual(['inst-aaa111']);

    await mkdir(path.join(dir, 'inst-ccc333'));
    await mkdir(path.join(dir, 'inst-2-ddd444')); // another instance, "inst-2"
    await writeFile(path.join(dir, 'inst-aaa111', 'gone.out'), '{"offset":0}\nold');
    await journalIn().restore([session('aaa111')]);
    expect((await readdir(dir)).sort()).toEqual(['inst-2-ddd444', 'inst-aaa111']);
    expect(await readdir(path.join(dir, 'inst-aaa111'))).toEqual(['session.json']);
  });

  it('writes what is left on close', async () => {
    const live = session('abc123');
    const journal = journalIn();
    journal.start(() => [live]);
    journal.terminal(live, 'main').record({ offset: 0, data: 'last words' });
    await journal.close();
    const again = session('abc123');
    const next = journalIn();
    await next.restore([again]);
    expect(next.terminal(again, 'main').initial?.data).toBe(`last words${RESTART_NOTICE}`);
  });
});
