import { learnerHashOf, sameLearner } from './learner-key.js';
import type { Session } from './session.js';

/** The live sessions of this engine by id, and the lookups that find one (by learner, preview token or host). */
export class SessionIndex {
  private readonly sessions = new Map<string, Session>();

  add(session: Session): void {
    this.sessions.set(session.id, session);
  }

  remove(session: Session): void {
    this.sessions.delete(session.id);
  }

  /** How many sessions it holds. */
  get size(): number {
    return this.sessions.size;
  }

  list(): Session[] {
    return [...this.sessions.values()];
  }

  get(sessionId: string): Session | undefined {
    return this.sessions.get(sessionId);
  }

  /** The sandbox this learner holds (one at most), for any lesson. */
  forLearner(learnerHash: string): Session | undefined {
    return this.list().find((session) => !session.ended && sameLearner(session.learnerHash, learnerHash));
  }

  /** The live session of this lesson that a learner's key opens, or undefined. */
  authenticate(lesson: string, learnerKey: unknown): Session | undefined {
    const learnerHash = learnerHashOf(learnerKey);
    if (!learnerHash) return undefined;
    const session = this.forLearner(learnerHash);
    return session && session.lesson === lesson ? session : undefined;
  }

  /** The session whose port previews this token opens. */
  byPreviewToken(token: string): Session | undefined {
    return this.list().find((session) => session.previewToken === token && !session.ended);
  }

  /** The session whose port previews this host-name label opens. */
  byPreviewHost(label: string): Session | undefined {
    return this.list().find((session) => session.previewHost === label && !session.ended);
  }
}
