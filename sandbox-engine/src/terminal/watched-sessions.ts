/**
 * Which sessions an instructor is watching, counted (two instructor tabs may watch one learner), so
 * the learner's pages are told when watching starts and when the last watcher leaves.
 */
export class WatchedSessions {
  private readonly counts = new Map<string, number>();

  constructor(private readonly notify: (sessionId: string, watching: boolean) => void) {}

  /** A watcher starts; the returned release (safe to call twice) ends it. */
  add(sessionId: string): () => void {
    const count = this.counts.get(sessionId) ?? 0;
    this.counts.set(sessionId, count + 1);
    if (count === 0) this.notify(sessionId, true);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.counts.get(sessionId) ?? 1) - 1;
      if (left > 0) return void this.counts.set(sessionId, left);
      this.counts.delete(sessionId);
      this.notify(sessionId, false);
    };
  }

  watching(sessionId: string): boolean {
    return this.counts.has(sessionId);
  }
}
