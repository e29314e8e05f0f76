import type { Logger } from '../log/logger.js';
import type { ProgressChange } from './progress-store.js';

/**
 * The listeners of a progress store (instructors' live tables): each change recorded in this
 * process reaches every listener; a listener that throws is logged and the others still hear it.
 */
export class ProgressEvents {
  private readonly listeners = new Set<(change: ProgressChange) => void>();

  constructor(private readonly log?: Logger) {}

  /** Returns the function that stops listening. */
  on(listener: (change: ProgressChange) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(change: ProgressChange): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch (error) {
        this.log?.error('progress.listener.failed', { kind: change.kind, error });
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
