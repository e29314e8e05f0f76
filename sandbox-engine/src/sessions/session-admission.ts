import type { Config } from '../config/config-schema.js';
import type { QueuePosition, StartPlace } from '../contracts/session.js';
import type { Lesson } from '../contracts/lesson.js';
import { KeyedTokenBuckets } from '../limits/token-bucket.js';
import type { Logger } from '../log/logger.js';
import type { SessionProgress } from '../progress/session-progress.js';
import { LearnerStarts, wasCancelled, type LearnerStart } from './learner-starts.js';
import type { Session } from './session.js';
import { SessionError } from './session-errors.js';
import type { SessionManager } from './session-manager.js';
import { WaitingLine } from './waiting-line.js';

export type Admission =
  | { kind: 'session'; session: Session; created: boolean; movedFrom?: { slug: string; title: string } }
  | { kind: 'queued'; queue: QueuePosition }
  | { kind: 'starting'; place: StartPlace };

export interface AdmissionRequest {
  learnerHash: string;
  lesson: string;
  /** End the sandbox the learner holds for another lesson. */
  move: boolean;
  clientAddress: string;
}

/** What admission asks of the session manager (its interface, so admission's rules are tested on their own). */
export type AdmissionSessions = Pick<
  SessionManager,
  'forLearner' | 'touch' | 'destroy' | 'create' | 'list' | 'available' | 'capacity' | 'countWaiting' | 'startPlace'
>;

export interface SessionAdmissionDeps {
  config: Config;
  sessions: AdmissionSessions;
  findLesson: (slug: string) => Lesson | undefined;
  log: Logger;
  now?: () => number;
  /** Gives a new session the steps its learner passed before, and records the start (absent: neither). */
  progress?: Pick<SessionProgress, 'started'>;
}

const POLL_MS = 2000;
/** A start's outcome nobody asked for (the page was closed) is forgotten after this long. */
const FORGET_START_MS = 5 * 60_000;

/** A decision: an answer now, or a start (new or under way) the ask follows for a while. */
type Decision = Admission | { kind: 'start'; start: LearnerStart };

/**
 * Who gets a sandbox: a learner holds one at most (tabs of a lesson share it; another lesson
 * moves it, after asking unless the held lesson is done), first come first served through the
 * waiting line when all are in use, and per-address limits that only stop floods. A sandbox
 * start goes on in the background (one per learner: asking again joins it); an ask waits for it
 * at most SESSION_START_WAIT_MS, then answers with the learner's place among the starts.
 */
export class SessionAdmission {
  readonly line: WaitingLine;
  private readonly starting: LearnerStarts;
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
    this.starting = new LearnerStarts({ forgetAfterMs: FORGET_START_MS }, deps.now);
    this.starts = new KeyedTokenBuckets(config.SESSION_START_BURST, config.SESSION_STARTS_PER_MINUTE / 60, deps.now);
    // The warm pool leaves the slots of learners waiting here free.
    deps.sessions.countWaiting(() => this.line.length);
  }

  async request(request: AdmissionRequest): Promise<Admission> {
    const previous = this.pending.get(request.learnerHash) ?? Promise.resolve();
    const decided = previous.catch(() => undefined).then(() => this.decide(request));
    this.pending.set(request.learnerHash, decided);
    void decided
      .catch(() => undefined)
      .finally(() => {
        if (this.pending.get(request.learnerHash) === decided) this.pending.delete(request.learnerHash);
      });
    const decision = await decided;
    return decision.kind === 'start' ? this.follow(decision.start, request) : decision;
  }

  /** The learner closed the page or gave up waiting: out of the line, and their start too if it has not begun. */
  leave(learnerHash: string): void {
    this.line.leave(learnerHash);
    const start = this.starting.get(learnerHash);
    if (start && !start.outcome) start.cancel();
  }

  private async decide(request: AdmissionRequest): Promise<Decision> {
    const { learnerHash, lesson, move, clientAddress } = request;
    const { sessions, findLesson, log } = this.deps;
    const wanted = findLesson(lesson);
    if (!wanted) throw new SessionError('unknown-lesson', `There is no lesson "${lesson}".`);

    const underway = this.starting.get(learnerHash);
    if (underway) {
      const outcome = underway.outcome;
      const gone = outcome?.ok === true && outcome.session.ended;
      if (underway.lesson === lesson && !gone) return { kind: 'start', start: underway };
      if (!outcome) {
        // Still starting for another lesson: asked before moving, like a sandbox held.
        const title = findLesson(underway.lesson)?.title ?? underway.lesson;
        if (!move) throw holdsOtherLesson(underway.lesson, title);
        this.admitStart(clientAddress);
        log.info('session.start.moved', { from: underway.lesson, to: lesson });
        return { kind: 'start', start: this.beginAfter(underway, request, { slug: underway.lesson, title }) };
      }
      // Ended, for another lesson (its sandbox, if any, is held and handled below) or gone.
      this.starting.forget(learnerHash, underway);
    }

    let movedFrom: { slug: string; title: string } | undefined;
    const held = sessions.forLearner(learnerHash);
    if (held?.lesson === lesson) {
      sessions.touch(held);
      return { kind: 'session', session: held, created: false };
    }
    if (held) {
      const heldLesson = findLesson(held.lesson);
      const done = heldLesson !== undefined && heldLesson.steps.every((step) => held.passedSteps.has(step.id));
      if (!move && !done) throw holdsOtherLesson(held.lesson, heldLesson?.title ?? held.lesson);
      movedFrom = { slug: held.lesson, title: heldLesson?.title ?? held.lesson };
      await sessions.destroy(held, 'moved');
      log.info('session.moved', { session: held.id, from: held.lesson, to: lesson });
    }

    // A learner moving between lessons keeps their slot; everyone else waits their turn. Ready
    // sandboxes of the warm pool count as free: they are given up for learners.
    const free = sessions.available;
    if (!movedFrom && !this.line.admits(learnerHash, free, clientAddress)) return this.queued(learnerHash, clientAddress);

    this.admitStart(clientAddress);
    this.line.leave(learnerHash);
    const start = this.starting.begin(learnerHash, lesson, clientAddress, (start) => this.startSandbox(request, start));
    start.movedFrom = movedFrom;
    return { kind: 'start', start };
  }

  /** The per-address limits a new start must pass (they only stop floods). */
  private admitStart(clientAddress: string): void {
    const fromAddress = this.heldBy(clientAddress);
    if (fromAddress >= this.deps.config.MAX_SANDBOXES_PER_ADDRESS) {
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
  }

  /** The sandbox of a start: made when a start slot is free (its place asked by the start's ticket). */
  private async startSandbox({ lesson, learnerHash, clientAddress }: AdmissionRequest, start: LearnerStart): Promise<Session> {
    try {
      const session = await this.deps.sessions.create(lesson, learnerHash, clientAddress, { ticket: start.ticket, signal: start.signal });
      await this.deps.progress?.started(session);
      return session;
    } catch (error) {
      if (!(error instanceof SessionError && error.code === 'cancelled')) this.deps.log.warn('session.start.failed', { lesson, error });
      throw error;
    }
  }

  /** A move while the learner's start for another lesson is under way: that start leaves the line (or ends and its sandbox is ended), then this one. */
  private beginAfter(previous: LearnerStart, request: AdmissionRequest, from: { slug: string; title: string }): LearnerStart {
    previous.cancel();
    return this.starting.begin(request.learnerHash, request.lesson, request.clientAddress, async (start) => {
      const outcome = await previous.done;
      if (outcome.ok) {
        start.movedFrom = from;
        await this.deps.sessions.destroy(outcome.session, 'moved');
        this.deps.log.info('session.moved', { session: outcome.session.id, from: from.slug, to: request.lesson });
      }
      return this.startSandbox(request, start);
    });
  }

  /** Waits for the start a little (SESSION_START_WAIT_MS): its sandbox, its error (told once), or the learner's place. */
  private async follow(start: LearnerStart, request: AdmissionRequest): Promise<Admission> {
    const outcome = await start.within(this.deps.config.SESSION_START_WAIT_MS);
    if (!outcome) return { kind: 'starting', place: this.place(start) };
    this.starting.forget(request.learnerHash, start);
    if (outcome.ok) {
      const created = !start.reported;
      start.reported = true;
      return { kind: 'session', session: outcome.session, created, movedFrom: created ? start.movedFrom : undefined };
    }
    // Taken out of line (the learner left, and is back): decide afresh.
    if (wasCancelled(outcome)) return this.request(request);
    // Someone took the last slot between the count and the start: wait in line instead.
    if (outcome.error instanceof SessionError && outcome.error.code === 'capacity') return this.queued(request.learnerHash, start.clientAddress);
    throw outcome.error;
  }

  private place(start: LearnerStart): StartPlace {
    const waitMs = this.deps.config.SESSION_START_WAIT_MS;
    // Each ask is held until the sandbox is up or waitMs passes: the next one may follow at once.
    return { ...this.deps.sessions.startPlace(start.ticket), pollMs: waitMs > 0 ? 100 : 1000 };
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

function holdsOtherLesson(slug: string, title: string): SessionError {
  return new SessionError(
    'holds-other-lesson',
    `You already have a sandbox for “${title}”. A learner holds one sandbox at a time: move it here (what is in it now is lost), or go back to that lesson.`,
    { lesson: { slug, title } },
  );
}
