import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { terminalIdSchema } from '../contracts/workspace.js';
import type { Logger } from '../log/logger.js';
import type { OutputChunk } from '../terminal/scrollback-buffer.js';
import { readTerminalJournal, resumeOutput, RESTART_NOTICE, TerminalJournal, type OutputRecorder } from '../terminal/terminal-journal.js';
import type { Session } from './session.js';

/** What of a session lives only in the engine's memory, and is saved. */
export type JournaledSession = Pick<Session, 'id' | 'ended' | 'terminalNames' | 'passedSteps'>;

const savedSessionSchema = z
  .object({
    terminals: z.array(z.tuple([terminalIdSchema, z.string().max(200)])).max(64),
    passedSteps: z.array(z.string().max(200)).max(1000),
  })
  .strict();

export interface SessionJournalOptions {
  /** Host-only directory (never mounted in a sandbox): `<DOCKYARD_DATA_DIR>/sessions`. */
  dir: string;
  instance: string;
  scrollbackChars: number;
  log: Logger;
  /** How often what changed is written: a crash loses at most this much output. */
  flushIntervalMs?: number;
}

interface Entry {
  dir: string;
  /** session.json as last written. */
  written: string | undefined;
  terminals: Map<string, TerminalJournal>;
  /** Output an earlier engine saved, until that terminal's shell starts again. */
  saved: Map<string, OutputChunk>;
  failing: boolean;
}

const describe = (session: JournaledSession) => JSON.stringify({ terminals: [...session.terminalNames], passedSteps: [...session.passedSteps] });

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Keeps what a session holds only in memory across an engine restart (a crash included): each
 * terminal's recent output, the terminal tabs' names and the steps passed. One directory per
 * session, `<dir>/<instance>-<session>/`, written every flushIntervalMs (batched: never a write per
 * chunk of output), removed with the session; a new engine restores it on adopt.
 */
export class SessionJournal {
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private sessions: () => JournaledSession[] = () => [];

  constructor(private readonly options: SessionJournalOptions) {}

  /** Writes what changed in these sessions every flushIntervalMs. */
  start(sessions: () => JournaledSession[]): void {
    this.sessions = sessions;
    this.timer ??= setInterval(() => void this.flush(), this.options.flushIntervalMs ?? 100);
    this.timer.unref();
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flushing;
    await this.flush();
  }

  /**
   * The recorder of a terminal whose shell is starting. After a restart it starts from the saved
   * output and a notice that the shell is new, continuing after `since` (what the attaching page
   * holds) when that is more than was saved: see resumeOutput.
   */
  terminal(session: JournaledSession, terminalId: string, since = 0): OutputRecorder {
    const entry = this.entry(session.id);
    const saved = entry.saved.get(terminalId);
    entry.saved.delete(terminalId);
    const initial = saved && resumeOutput(saved, since, RESTART_NOTICE, this.options.scrollbackChars);
    const journal = new TerminalJournal(path.join(entry.dir, `${terminalId}.out`), this.options.scrollbackChars, initial);
    entry.terminals.set(terminalId, journal);
    return journal;
  }

  /** After adopt: gives the sessions back what was saved for them; removes what was saved for sessions that are gone. */
  async restore(sessions: JournaledSession[]): Promise<void> {
    const prefix = `${this.options.instance}-`;
    const live = new Set(sessions.map((session) => session.id));
    for (const name of await readdir(this.options.dir).catch(() => [] as string[])) {
      const id = name.slice(prefix.length);
      // "<instance>-<id>" exactly: instance "a" must not sweep instance "a-b".
      if (name.startsWith(prefix) && !id.includes('-') && !live.has(id)) await rm(path.join(this.options.dir, name), { recursive: true, force: true });
    }
    for (const session of sessions) await this.restoreSession(session);
  }

  /** The session ended: forgets it and deletes its directory. */
  async remove(sessionId: string): Promise<void> {
    await this.flushing;
    this.entries.delete(sessionId);
    await rm(this.dirOf(sessionId), { recursive: true, force: true });
  }

  /** Writes what changed since the last flush. */
  flush(): Promise<void> {
    this.flushing ??= this.flushAll().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private dirOf(sessionId: string): string {
    return path.join(this.options.dir, `${this.options.instance}-${sessionId}`);
  }

  private entry(sessionId: string): Entry {
    let entry = this.entries.get(sessionId);
    if (!entry) {
      entry = { dir: this.dirOf(sessionId), written: undefined, terminals: new Map(), saved: new Map(), failing: false };
      this.entries.set(sessionId, entry);
    }
    return entry;
  }

  private async restoreSession(session: JournaledSession): Promise<void> {
    const entry = this.entry(session.id);
    const text = await readFile(path.join(entry.dir, 'session.json'), 'utf8').catch(() => undefined);
    const parsed = text === undefined ? undefined : savedSessionSchema.safeParse(parseJson(text));
    if (parsed?.success) {
      const names = new Map(parsed.data.terminals);
      session.terminalNames.clear();
      session.terminalNames.set('main', names.get('main') ?? 'Terminal 1');
      for (const [terminalId, name] of names) session.terminalNames.set(terminalId, name);
      for (const step of parsed.data.passedSteps) session.passedSteps.add(step);
      entry.written = describe(session);
    } else if (text !== undefined) {
      this.options.log.warn('journal.session.unreadable', { session: session.id });
    }
    for (const file of await readdir(entry.dir).catch(() => [] as string[])) {
      const terminalId = file.endsWith('.out') ? file.slice(0, -'.out'.length) : undefined;
      const saved = terminalId && session.terminalNames.has(terminalId) ? await readTerminalJournal(path.join(entry.dir, file)) : undefined;
      if (saved) entry.saved.set(terminalId!, saved);
      else if (file !== 'session.json') await rm(path.join(entry.dir, file), { force: true });
    }
  }

  private async flushAll(): Promise<void> {
    for (const session of this.sessions()) {
      if (session.ended) continue;
      const entry = this.entry(session.id);
      const described = describe(session);
      const closed = [...entry.terminals.keys(), ...entry.saved.keys()].filter((terminalId) => !session.terminalNames.has(terminalId));
      const dirty = described !== entry.written || closed.length > 0 || [...entry.terminals.values()].some((journal) => journal.dirty);
      if (!dirty) continue;
      try {
        await mkdir(entry.dir, { recursive: true, mode: 0o700 });
        if (described !== entry.written) {
          const file = path.join(entry.dir, 'session.json');
          await writeFile(`${file}.tmp`, described, { mode: 0o600 });
          await rename(`${file}.tmp`, file);
          entry.written = described;
        }
        for (const terminalId of closed) {
          entry.terminals.delete(terminalId);
          entry.saved.delete(terminalId);
          await rm(path.join(entry.dir, `${terminalId}.out`), { force: true });
        }
        for (const journal of entry.terminals.values()) await journal.flush();
        entry.failing = false;
      } catch (error) {
        if (!entry.failing) this.options.log.warn('journal.write.failed', { session: session.id, error });
        entry.failing = true;
      }
    }
  }
}
