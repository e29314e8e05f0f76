import type { ClassTable } from '../contracts/instructor.js';
import type { Logger } from '../log/logger.js';

/** Changes within this long are pushed as one table: a check is an attempt, a pass and a lesson change at once. */
export const CLASS_FEED_DELAY_MS = 200;
/**
 * After a read that took `t`, the next waits at least this many times `t`: with SQLite a read
 * holds the engine's only thread, so a big class (or a flood of checks) never gets more than a
 * fifth of it, and every learner's terminal keeps its pace.
 */
export const CLASS_FEED_LOAD_SPACING = 4;

export interface ClassFeedsDeps {
  /** Reads a class's table now; undefined when the class does not exist. */
  load(classId: string): Promise<ClassTable | undefined>;
  /** Sends a fresh table to everyone watching the class. */
  publish(classId: string, table: ClassTable): void;
  /** The classes a learner belongs to (asked for learners not seen in a watched table yet: they just joined). */
  classesOf(learner: string): Promise<string[]>;
  log: Logger;
  delayMs?: number;
  now?: () => number;
}

interface Feed {
  watchers: number;
  /** Learners in the table last sent. */
  members: Set<string>;
  timer: NodeJS.Timeout | undefined;
  loading: boolean;
  /** A change came while loading: load once more after. */
  again: boolean;
  /** How long the last read took (ms). */
  lastLoadMs: number;
}

/**
 * The live tables of the classes instructors have open: a progress change of a learner makes each
 * watched class they belong to reload once within `delayMs` (changes meanwhile are coalesced, and a
 * change during a load loads again after it), so a class of 30 busy learners costs a few reads a
 * second, and a class nobody watches costs nothing.
 */
export class ClassFeeds {
  private readonly feeds = new Map<string, Feed>();
  private readonly delayMs: number;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly deps: ClassFeedsDeps) {
    this.delayMs = deps.delayMs ?? CLASS_FEED_DELAY_MS;
    this.now = deps.now ?? (() => performance.now());
  }

  /** Someone opened the class: it is kept live until every release ran. */
  watch(classId: string): () => void {
    const feed = this.feeds.get(classId) ?? { watchers: 0, members: new Set<string>(), timer: undefined, loading: false, again: false, lastLoadMs: 0 };
    feed.watchers += 1;
    this.feeds.set(classId, feed);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      feed.watchers -= 1;
      if (feed.watchers > 0 || this.feeds.get(classId) !== feed) return;
      clearTimeout(feed.timer);
      this.feeds.delete(classId);
    };
  }

  /** The class's table now (for a new watcher); remembers who is in it. */
  async current(classId: string): Promise<ClassTable | undefined> {
    const table = await this.deps.load(classId);
    const feed = this.feeds.get(classId);
    if (table && feed) feed.members = new Set(table.rows.map((row) => row.learner));
    return table;
  }

  /** A learner's progress changed (or they joined a class). */
  changed(learner: string): void {
    if (this.closed || this.feeds.size === 0) return;
    let known = false;
    for (const [classId, feed] of this.feeds) {
      if (!feed.members.has(learner)) continue;
      known = true;
      this.schedule(classId, feed);
    }
    if (known) return;
    this.deps
      .classesOf(learner)
      .then((classIds) => {
        for (const classId of classIds) {
          const feed = this.feeds.get(classId);
          if (feed) this.schedule(classId, feed);
        }
      })
      .catch((error: unknown) => this.deps.log.warn('instructor.feed.classes.failed', { error }));
  }

  close(): void {
    this.closed = true;
    for (const feed of this.feeds.values()) clearTimeout(feed.timer);
    this.feeds.clear();
  }

  private schedule(classId: string, feed: Feed): void {
    if (feed.loading) {
      feed.again = true;
      return;
    }
    if (feed.timer) return;
    feed.timer = setTimeout(() => void this.flush(classId, feed), Math.max(this.delayMs, feed.lastLoadMs * CLASS_FEED_LOAD_SPACING));
    feed.timer.unref?.();
  }

  private async flush(classId: string, feed: Feed): Promise<void> {
    feed.timer = undefined;
    if (this.closed || this.feeds.get(classId) !== feed) return;
    feed.loading = true;
    const started = this.now();
    try {
      const table = await this.deps.load(classId);
      if (table && this.feeds.get(classId) === feed) {
        feed.members = new Set(table.rows.map((row) => row.learner));
        this.deps.publish(classId, table);
      }
    } catch (error) {
      this.deps.log.warn('instructor.feed.load.failed', { class: classId, error });
    } finally {
      feed.loading = false;
      feed.lastLoadMs = this.now() - started;
    }
    if (feed.again) {
      feed.again = false;
      this.schedule(classId, feed);
    }
  }
}
