import type { Config } from '../config/config-schema.js';
import type { QueuePosition } from '../contracts/session.js';
import type { Lesson } from '../contracts/lesson.js';
import { KeyedTokenBuckets } from '../limits/token-bucket.js';
import type { Logger } from '../log/logger.js';
import type { SessionProgress } from '../progress/session-progress.js';
import type { Session } from './session.js';
import { SessionError } from './session-errors.js';
import type { SessionManager } from './session-manager.js';
import { WaitingLine } from './waiting-line.js';

export type Admission =
  | { kind: 'session'; session: Session; created: boolean; movedFrom?: { slug: string; title: string } }
  | { kind: 'queued'; queue: QueuePosition };

export interface AdmissionRequest {
  learnerHash: string;
  lesson: string;
  /** End the sandbox the learner holds for another lesson. */
  move: boolean;
  clientAddress: string;
}

export interface SessionAdmissionDeps {
  config: Config;
  sessions: SessionManager;
  findLesson: (slug: string) => Lesson | undefined;
  log: Logger;
  now?: () => number;
  /** Gives a new session the steps its learner passed before, and records the start (absent: neither). */
  progress?: Pick<SessionProgress, 'started'>;
}

const POLL_MS = 2000;

/**
 * Who gets a sandbox: a learner holds one at most (tabs of a lesson share it; another lesson
 * moves it, after asking unless the held lesson is done), first come first served through the
 * waiting line when all are in use, and per-address limits that only stop floods.
 */
export class SessionAdmission {
  readonly line: WaitingLine;
  private readonly starts: KeyedTokenBuckets;
  /** One decision at a time per learner: two tabs asking at once get the same sandbox. */
  private readonly pending = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: SessionAdmissionDeps) {
    const { config } = deps;
    this.line = new WaitingLine(
      { pollMs: POLL_MS, ttlMs: POLL_MS * 5, maxLength: 2000, maxPerAddress: config.MAX_SANDBOXES_PER_ADDRESS },
      deps.now,
      (address) => this.heldBy(address),
    );
    this.starts = new KeyedTokenBuckets(config.SESSION_START_BURST, config.SESSION_STARTS_PER_MINUTE / 60, deps.now);
    // The warm pool leaves the slots of learners waiting here free.
    deps.sessions.countWaiting(() => this.line.length);
  }

  request(request: AdmissionRequest): Promise<Admission> {
    const previous = this.pending.get(request.learnerHash) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.decide(request));
    this.pending.set(request.learnerHash, next);
    void next
      .catch(() => undefined)
      .finally(() => {
        if (this.pending.get(request.learnerHash) === next) this.pending.delete(request.learnerHash);
      });
    return next;
  }

  /** The learner closed the page or gave up waiting. */
  leave(learnerHash: string): void {
    this.line.leave(learnerHash);
  }

  private async decide({ learnerHash, lesson, move, clientAddress }: AdmissionRequest): Promise<Admission> {
    const { sessions, findLesson, config, log } = this.deps;
    const wanted = findLesson(lesson);
    if (!wanted) throw new SessionError('unknown-lesson', `There is no lesson "${lesson}".`);

    let movedFrom: { slug: string; title: string } | undefined;
    const held = sessions.forLearner(learnerHash);
    if (held?.lesson === lesson) {
      sessions.touch(held);
      return { kind: 'session', session: held, created: false };
    }
    if (held) {
      const heldLesson = findLesson(held.lesson);
      const done = heldLesson !== undefined && heldLesson.steps.every((step) => held.passedSteps.has(step.id));
      if (!move && !done) {
        const title = heldLesson?.title ?? held.lesson;
        throw new SessionError(
          'holds-other-lesson',
          `You already have a sandbox for “${title}”. A learner holds one sandbox at a time: move it here (what is in it now is lost), or go back to that lesson.`,
          { lesson: { slug: held.lesson, title } },
        );
      }
      movedFrom = { slug: held.lesson, title: heldLesson?.title ?? held.lesson };
      await sessions.destroy(held, 'moved');
      log.info('session.moved', { session: held.id, from: held.lesson, to: lesson });
    }

    // A learner moving between lessons keeps their slot; everyone else waits their turn. Ready
    // sandboxes of the warm pool count as free: they are given up for learners.
    const free = sessions.available;
    if (!movedFrom && !this.line.admits(learnerHash, free, clientAddress)) return this.queued(learnerHash, clientAddress);

    const fromAddress = this.heldBy(clientAddress);
    if (fromAddress >= config.MAX_SANDBOXES_PER_ADDRESS) {
      throw new SessionError(
        'rate-limited',
        `Your network address already holds ${fromAddress} sandboxes, the most this server gives one address. One frees up when a learner there ends theirs.`,
        { retryAfterMs: 60_000 },
      );
    }
    if (!this.starts.take(clientAddress)) {
      const retryAfterMs = this.starts.waitMs(clientAddress);
      throw new SessionError('rate-limited', `Too many sandboxes were started from your network address just now. Try again in ${Math.ceil(retryAfterMs / 1000)} s.`, {
        retryAfterMs,
      });
    }
    this.line.leave(learnerHash);
    try {
      const session = await sessions.create(lesson, learnerHash, clientAddress);
      await this.deps.progress?.started(session);
      return { kind: 'session', session, created: true, movedFrom };
    } catch (error) {
      // Someone took the last slot between the count and the start: wait in line instead.
      if (error instanceof SessionError && error.code === 'capacity') return this.queued(learnerHash, clientAddress);
      throw error;
    }
  }

  /** Sandboxes held by learners who started them from this address (unknown after an engine restart). */
  private heldBy(clientAddress: string): number {
    return this.deps.sessions.list().filter((session) => session.clientAddress === clientAddress).length;
  }

  private queued(learnerHash: string, clientAddress: string): Admission {
    const position = this.line.enter(learnerHash, clientAddress);
    return {
      kind: 'queued',
      queue: { position, waiting: this.line.length, capacity: this.deps.sessions.capacity, pollMs: POLL_MS },
    };
  }
}
