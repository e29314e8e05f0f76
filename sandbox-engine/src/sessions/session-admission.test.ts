import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import type { Lesson } from '../contracts/lesson.js';
import { createLogger } from '../log/logger.js';
import { hashLearnerKey, newLearnerKey } from './learner-key.js';
import { Session } from './session.js';
import { SessionAdmission, type AdmissionSessions, type Admission } from './session-admission.js';
import { SessionError } from './session-errors.js';
import { StartLimiter, type StartOptions } from './start-limiter.js';

const lesson = (slug: string) => ({ slug, title: `Lesson ${slug}`, summary: 's', minutes: 1, order: 0, prerequisites: [], images: [], steps: [{ id: 'one' }] }) as unknown as Lesson;
const lessons = new Map(['a', 'b'].map((slug) => [slug, lesson(slug)]));

/** A start the test lets finish (or fail) when it wants. */
interface Gate {
  learnerHash: string;
  lesson: string;
  began: boolean;
  finish: () => void;
  fail: (error: Error) => void;
}

/**
 * The session manager's side of admission, in memory: sessions are plain Session objects, and
 * every start goes through a real StartLimiter and waits for the test to finish it.
 */
class MemorySessions implements AdmissionSessions {
  readonly sessions = new Map<string, Session>();
  readonly gates: Gate[] = [];
  readonly limiter: StartLimiter;
  destroyed: Session[] = [];
  private next = 0;
  private creating = 0;

  constructor(
    readonly capacity: number,
    concurrentStarts: number,
  ) {
    this.limiter = new StartLimiter(concurrentStarts);
  }

  get available(): number {
    return this.capacity - this.sessions.size - this.creating;
  }

  list(): Session[] {
    return [...this.sessions.values()];
  }

  forLearner(learnerHash: string): Session | undefined {
    return this.list().find((session) => session.learnerHash === learnerHash && !session.ended);
  }

  touch(session: Session): void {
    session.lastActivity = Date.now();
  }

  async destroy(session: Session): Promise<void> {
    session.ended = true;
    this.sessions.delete(session.id);
    this.destroyed.push(session);
  }

  countWaiting(): void {}

  startPlace(ticket: object) {
    return { position: this.limiter.position(ticket), waiting: this.limiter.waiting('learner'), running: this.limiter.running, slots: this.limiter.max };
  }

  async create(lessonSlug: string, learnerHash = 'tool', clientAddress?: string, start: StartOptions = {}): Promise<Session> {
    this.creating += 1;
    try {
      const id = `s${++this.next}`;
      await this.limiter.run(
        () =>
          new Promise<void>((resolve, reject) => {
            const gate: Gate = { learnerHash, lesson: lessonSlug, began: true, finish: resolve, fail: reject };
            this.gates.push(gate);
          }),
        'learner',
        start,
      );
      const session = new Session(id, lessonSlug, learnerHash, `container-${id}`, `name-${id}`, Date.now(), Date.now() + 3_600_000);
      session.clientAddress = clientAddress;
      this.sessions.set(id, session);
      return session;
    } finally {
      this.creating -= 1;
    }
  }

  /** Finishes the oldest running start (or fails it), and lets the next one begin. */
  async settleNext(error?: Error): Promise<Gate> {
    const gate = this.gates.shift();
    if (!gate) throw new Error('no start is running');
    if (error) gate.fail(error);
    else gate.finish();
    await flush();
    return gate;
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

function setup(options: { capacity?: number; concurrentStarts?: number; waitMs?: number } = {}) {
  const config = loadConfig({ SESSION_START_WAIT_MS: String(options.waitMs ?? 0), SESSION_START_BURST: '100', MAX_SANDBOXES: String(options.capacity ?? 30) }, '/repo');
  const sessions = new MemorySessions(options.capacity ?? 30, options.concurrentStarts ?? 1);
  const admission = new SessionAdmission({ config, sessions, findLesson: (slug) => lessons.get(slug), log: createLogger('error', {}, () => undefined) });
  const ask = (learnerHash: string, lessonSlug = 'a', move = false) => admission.request({ learnerHash, lesson: lessonSlug, move, clientAddress: '10.0.0.1' });
  return { sessions, admission, ask };
}

const learner = () => hashLearnerKey(newLearnerKey());
const placeOf = (answer: Admission) => {
  if (answer.kind !== 'starting') throw new Error(`expected a start under way, got ${answer.kind}`);
  return answer.place;
};

describe('SessionAdmission: starts in the background, the place among them', () => {
  it('answers a burst of 20 at one start slot with increasing places, and gives each learner one sandbox', async () => {
    const { sessions, ask } = setup({ concurrentStarts: 1 });
    const crowd = Array.from({ length: 20 }, learner);
    const first: number[] = [];
    for (const hash of crowd) first.push(placeOf(await ask(hash)).position);
    // The first starts at once (0); the others wait for the slot in the order they came.
    expect(first).toEqual(Array.from({ length: 20 }, (_, index) => index));
    expect(placeOf(await ask(crowd[19]!))).toMatchObject({ waiting: 19, running: 1, slots: 1 });

    // Asking again joins the same start: still one start per learner, nobody moves back.
    for (const hash of crowd) expect(placeOf(await ask(hash)).position).toBe(crowd.indexOf(hash));
    expect(sessions.gates.map((gate) => gate.learnerHash)).toEqual([crowd[0]]);

    const answers = new Map<string, Admission[]>();
    for (let served = 0; served < 20; served++) {
      await sessions.settleNext();
      for (const hash of crowd) {
        const list = answers.get(hash) ?? [];
        list.push(await ask(hash));
        answers.set(hash, list);
      }
    }
    for (const [index, hash] of crowd.entries()) {
      const kinds = answers.get(hash)!.map((answer) => (answer.kind === 'session' ? (answer.created ? 'created' : 'resumed') : answer.kind));
      // Starting until their turn came, told "created" once, then resumed.
      expect(kinds).toEqual([...Array(index).fill('starting'), 'created', ...Array(19 - index).fill('resumed')]);
      const positions = answers.get(hash)!.flatMap((answer) => (answer.kind === 'starting' ? [answer.place.position] : []));
      expect(positions).toEqual([...positions].sort((a, b) => b - a));
    }
    const byLearner = sessions.list().map((session) => session.learnerHash);
    expect(byLearner.sort()).toEqual([...crowd].sort());
  });

  it('waits for a start up to SESSION_START_WAIT_MS and answers with the sandbox as soon as it is up', async () => {
    const { sessions, ask } = setup({ waitMs: 60_000 });
    const hash = learner();
    const asking = ask(hash);
    await flush();
    await sessions.settleNext();
    const answer = await asking;
    expect(answer).toMatchObject({ kind: 'session', created: true, session: { learnerHash: hash } });
  });

  it('tells a failed start to the learner once, on their next ask, then starts anew', async () => {
    const { sessions, ask } = setup();
    const hash = learner();
    expect((await ask(hash)).kind).toBe('starting');
    await sessions.settleNext(new SessionError('sandbox-failed', 'Your sandbox could not start: no daemon'));
    await expect(ask(hash)).rejects.toMatchObject({ code: 'sandbox-failed', message: /no daemon/ });
    expect(placeOf(await ask(hash)).position).toBe(0);
    expect(sessions.gates).toHaveLength(1);
    await sessions.settleNext();
    expect(await ask(hash)).toMatchObject({ kind: 'session', created: true });
  });

  it('takes a start that has not begun out of line when its learner leaves', async () => {
    const { sessions, admission, ask } = setup();
    const [one, two, three] = [learner(), learner(), learner()];
    await ask(one);
    await ask(two);
    expect(placeOf(await ask(three)).position).toBe(2);
    admission.leave(two);
    await flush();
    expect(placeOf(await ask(three)).position).toBe(1);
    // Back again: a new start, at the back.
    expect(placeOf(await ask(two)).position).toBe(2);
    // Leaving once the start runs changes nothing: its sandbox is made (and reaped when idle, like any other).
    admission.leave(one);
    await sessions.settleNext();
    expect(sessions.forLearner(one)).toBeDefined();
  });

  it('asks before moving a start under way to another lesson, and moves it when told', async () => {
    const { sessions, ask } = setup();
    const [ahead, hash] = [learner(), learner()];
    await ask(ahead);
    expect(placeOf(await ask(hash, 'a')).position).toBe(1);
    await expect(ask(hash, 'b')).rejects.toMatchObject({ code: 'holds-other-lesson', details: { lesson: { slug: 'a', title: 'Lesson a' } } });
    // Moved while it still waited: the start for a never began, so nothing was ended.
    expect(placeOf(await ask(hash, 'b', true)).position).toBe(1);
    await sessions.settleNext();
    await sessions.settleNext();
    const moved = await ask(hash, 'b');
    expect(moved).toMatchObject({ kind: 'session', created: true, session: { lesson: 'b' } });
    expect(moved.kind === 'session' && moved.movedFrom).toBeUndefined();
    expect(sessions.list().filter((session) => session.learnerHash === hash)).toHaveLength(1);
  });

  it('ends the sandbox a running start made when its learner moved meanwhile', async () => {
    const { sessions, ask } = setup();
    const hash = learner();
    expect(placeOf(await ask(hash, 'a')).position).toBe(0);
    expect((await ask(hash, 'b', true)).kind).toBe('starting');
    await sessions.settleNext();
    expect(sessions.destroyed.map((session) => session.lesson)).toEqual(['a']);
    await sessions.settleNext();
    expect(await ask(hash, 'b')).toMatchObject({ kind: 'session', created: true, movedFrom: { slug: 'a' }, session: { lesson: 'b' } });
  });

  it('keeps the waiting line when every sandbox is taken: queued, not started', async () => {
    const { sessions, ask } = setup({ capacity: 1 });
    const [one, two] = [learner(), learner()];
    expect((await ask(one)).kind).toBe('starting');
    expect(await ask(two)).toMatchObject({ kind: 'queued', queue: { position: 1, capacity: 1 } });
    await sessions.settleNext();
    expect(await ask(two)).toMatchObject({ kind: 'queued', queue: { position: 1 } });
    expect(await ask(one)).toMatchObject({ kind: 'session', created: true });
  });
});
