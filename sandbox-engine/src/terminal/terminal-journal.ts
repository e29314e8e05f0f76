import { appendFile, readFile, rename, writeFile } from 'node:fs/promises';
import type { OutputChunk } from './scrollback-buffer.js';

/** What a terminal gives its output to besides pages; no acknowledgements, never slows the shell. */
export interface OutputRecorder {
  /** Output an earlier engine printed, to start the scrollback from (its offsets continue). */
  readonly initial?: OutputChunk;
  record(chunk: OutputChunk): void;
}

/** Printed in a terminal whose shell was started again by a new engine (CAN first ends any escape sequence cut short). */
export const RESTART_NOTICE =
  '\x18\x1b[0m\r\n\x1b[33m[The server restarted: this is a new shell. Your files and containers are as you left them.]\x1b[0m\r\n';

/**
 * Where a restored terminal's output goes on. Normally right after what was saved. When the
 * reconnecting page holds more than that (output printed in the last moment before a crash, never
 * saved), after what the page holds: otherwise the page would take the new shell's first output
 * for output it already has. The gap is filled with NULs, which terminals ignore, so the saved
 * scrollback stays for other pages; a gap longer than the scrollback drops it.
 */
export function resumeOutput(saved: OutputChunk, since: number, notice: string, limit: number): OutputChunk {
  const end = saved.offset + saved.data.length;
  if (since <= end) return { offset: saved.offset, data: saved.data + notice };
  if (since - end > limit) return { offset: since, data: notice };
  return { offset: saved.offset, data: saved.data + '\0'.repeat(since - end) + notice };
}

/** A journal file: a JSON header line giving the offset of the first character, then the output as printed. */
export async function readTerminalJournal(file: string): Promise<OutputChunk | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  const newline = text?.indexOf('\n') ?? -1;
  if (text === undefined || newline === -1) return undefined;
  try {
    const header = JSON.parse(text.slice(0, newline)) as { offset?: unknown };
    if (typeof header.offset === 'number' && Number.isSafeInteger(header.offset) && header.offset >= 0) {
      return { offset: header.offset, data: text.slice(newline + 1) };
    }
  } catch {
    // A damaged file is no scrollback.
  }
  return undefined;
}

/**
 * One terminal's recent output in a file, so a new engine can restore it. Output is collected in
 * memory and written by flush() (called on a timer: never a write per chunk); the file is
 * appended to, and rewritten with the last `limit` characters when it grows past twice that.
 */
export class TerminalJournal implements OutputRecorder {
  private pending = '';
  private end = 0;
  private fileChars = 0;
  /** The file does not hold a prefix of what is pending: write it whole. */
  private rewrite = true;

  constructor(
    readonly file: string,
    private readonly limit: number,
    readonly initial?: OutputChunk,
  ) {
    if (initial) this.record(initial);
  }

  get dirty(): boolean {
    return this.rewrite || this.pending.length > 0;
  }

  record(chunk: OutputChunk): void {
    this.pending += chunk.data;
    this.end = chunk.offset + chunk.data.length;
    // A flood between two flushes keeps only what the file would keep.
    if (this.pending.length > 2 * this.limit) {
      this.pending = this.pending.slice(-this.limit);
      this.rewrite = true;
    }
  }

  async flush(): Promise<void> {
    if (!this.dirty) return;
    const data = this.pending;
    const end = this.end;
    const whole = this.rewrite;
    const rewrite = whole || this.fileChars + data.length > 2 * this.limit;
    this.pending = '';
    this.rewrite = false;
    try {
      if (!rewrite) {
        await appendFile(this.file, data, { mode: 0o600 });
        this.fileChars += data.length;
        return;
      }
      // Grown past twice the limit: keep the file's tail too, unless the new output alone fills it.
      const before = !whole && data.length < this.limit ? ((await readTerminalJournal(this.file))?.data ?? '') : '';
      const text = (before + data).slice(-this.limit);
      await writeFile(`${this.file}.tmp`, `${JSON.stringify({ offset: end - text.length })}\n${text}`, { mode: 0o600 });
      await rename(`${this.file}.tmp`, this.file);
      this.fileChars = text.length;
    } catch (error) {
      // Try again whole on the next flush.
      this.pending = (data + this.pending).slice(-2 * this.limit);
      this.rewrite = true;
      throw error;
    }
  }
}
