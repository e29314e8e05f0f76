import type { Logger } from '../log/logger.js';
import type { Session } from '../sessions/session.js';
import type { ProgressStore } from './progress-store.js';

type SessionFacts = Pick<Session, 'id' | 'lesson' | 'learnerHash' | 'passedSteps'>;

export interface SessionProgressDeps {
  progress: Pick<ProgressStore, 'passedSteps' | 'recordEvent'>;
  /** The lesson's step ids now: a step passed before the lesson dropped it is not carried over. */
  stepsOf: (lesson: string) => readonly string[];
  log: Logger;
  now?: () => Date;
}

/**
 * What a session takes from the progress database: the steps its learner passed before (in earlier
 * sandboxes, before engine restarts), and the record that the learner started the lesson again.
 * The database failing never stops a sandbox: it is logged, and the session starts as it would.
 */
export class SessionProgress {
  constructor(private readonly deps: SessionProgressDeps) {}

  /** A new sandbox of a learner: its passed steps from the database, and 'lesson-started' recorded. */
  async started(session: SessionFacts): Promise<void> {
    await this.restore(session);
    const at = this.deps.now?.() ?? new Date();
    await this.deps.progress
      .recordEvent({ learner: session.learnerHash, lesson: session.lesson, step: '', kind: 'lesson-started', at })
      .catch((error: unknown) => this.deps.log.error('progress.event.record.failed', { session: session.id, kind: 'lesson-started', error }));
  }

  /** Adds the steps the learner passed before to the session's (an adopted session keeps its own too). */
  async restore(session: SessionFacts): Promise<void> {
    try {
      const steps = new Set(this.deps.stepsOf(session.lesson));
      for (const step of await this.deps.progress.passedSteps(session.learnerHash, session.lesson)) {
        if (steps.has(step)) session.passedSteps.add(step);
      }
    } catch (error) {
      this.deps.log.error('progress.restore.failed', { session: session.id, lesson: session.lesson, error });
    }
  }
}
