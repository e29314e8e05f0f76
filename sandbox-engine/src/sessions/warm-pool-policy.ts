/**
 * The warm pool's decisions, as pure functions of what the pool holds and what learners asked for:
 * how many ready sandboxes each lesson should have (fill), which ready sandbox a learner gets
 * (claim), which lesson gives one up when learners need the room (reclaim), and when a lesson
 * nobody asks for keeps none (expiry). warm-pool.ts carries them out.
 */

export interface WarmPoolSettings {
  /** Ready sandboxes per lesson; "auto": from recent demand. 0 turns the pool off. */
  size: number | 'auto';
  /** MAX_SANDBOXES: learners' sandboxes and the pool's together. */
  capacity: number;
  /** A lesson nobody asked a sandbox for in this long keeps none ready. */
  idleMs: number;
  /** How far back requests count towards a lesson's demand ("auto"). */
  demandWindowMs: number;
}

/** What the pool holds for one lesson, and the demand for it. */
export interface LessonPool {
  lesson: string;
  ready: number;
  /** Being started (or waiting for a start slot) for the pool. */
  starting: number;
  /** When a learner last asked for a new sandbox of this lesson (the pool's start counts as one). */
  lastDemandAt: number;
  /** Times learners asked for a new sandbox of this lesson, within the demand window. */
  demand: number[];
}

export interface PoolSituation {
  /** Every lesson, in course order (the tie-break: earlier lessons first). */
  lessons: LessonPool[];
  /** Sandboxes learners hold or are starting. */
  learners: number;
  /** Learners waiting in line for a sandbox: they come before the pool. */
  waiting: number;
  /** How long starting a sandbox takes now (ms). */
  startMs: number;
  now: number;
}

export interface PoolPlan {
  /** Ready sandboxes wanted per lesson. */
  targets: Map<string, number>;
  /** Lessons to start one more sandbox for, most wanted first (a lesson appears once per sandbox). */
  fill: string[];
  /** Lessons to give up one ready sandbox of (a lesson appears once per sandbox). */
  retire: string[];
}

/** With "auto", no lesson keeps more than this share of the capacity ready, and the pool as a whole neither. */
const AUTO_SHARE = 4;

/** The most ready sandboxes the pool holds in all ("auto": a quarter of the capacity, at least one). */
export function poolLimit(settings: WarmPoolSettings): number {
  if (settings.size === 0) return 0;
  if (settings.size === 'auto') return Math.max(1, Math.floor(settings.capacity / AUTO_SHARE));
  return settings.capacity;
}

export function expired(settings: WarmPoolSettings, pool: LessonPool, now: number): boolean {
  return now - pool.lastDemandAt > settings.idleMs;
}

/**
 * Ready sandboxes a lesson should have, before the capacity is shared out: none once it expired;
 * the configured size; or ("auto") one, plus the learners expected to arrive while one starts
 * (Little's law: arrival rate × start time, rounded), within a quarter of the capacity.
 */
export function lessonTarget(settings: WarmPoolSettings, pool: LessonPool, now: number, startMs: number): number {
  if (settings.size === 0 || expired(settings, pool, now)) return 0;
  if (settings.size !== 'auto') return settings.size;
  const recent = pool.demand.filter((at) => now - at <= settings.demandWindowMs).length;
  const arriving = Math.round((recent / settings.demandWindowMs) * Math.max(0, startMs));
  return Math.min(1 + arriving, poolLimit(settings));
}

/** Lessons by priority: most recently asked for first, then course order. */
function byPriority(lessons: LessonPool[]): LessonPool[] {
  return lessons
    .map((pool, order) => ({ pool, order }))
    .sort((a, b) => b.pool.lastDemandAt - a.pool.lastDemandAt || a.order - b.order)
    .map(({ pool }) => pool);
}

/** Shares `budget` out one at a time in priority order, round after round, up to each want. */
function share(wants: { lesson: string; want: number }[], budget: number): Map<string, number> {
  const given = new Map(wants.map(({ lesson }) => [lesson, 0]));
  let left = budget;
  for (let round = 1; left > 0; round++) {
    let gave = false;
    for (const { lesson, want } of wants) {
      if (left === 0) break;
      if (want >= round) {
        given.set(lesson, round);
        left -= 1;
        gave = true;
      }
    }
    if (!gave) break;
  }
  return given;
}

/**
 * What to start and what to give up. The pool may use the slots learners leave free (nobody waiting
 * first), within poolLimit. Filling follows each lesson's target; giving up is lazier, so that a
 * small dip in demand does not destroy a sandbox that would be started again a minute later: a
 * lesson keeps what it holds until it expires or the room is needed.
 */
export function planPool(settings: WarmPoolSettings, situation: PoolSituation): PoolPlan {
  const { now, startMs } = situation;
  const lessons = byPriority(situation.lessons);
  const budget = Math.max(0, Math.min(poolLimit(settings), settings.capacity - situation.learners - situation.waiting));
  const wants = lessons.map((pool) => ({ lesson: pool.lesson, want: lessonTarget(settings, pool, now, startMs) }));
  const targets = share(wants, budget);
  const keeps = share(
    lessons.map((pool, index) => ({
      lesson: pool.lesson,
      want: wants[index]!.want === 0 ? 0 : Math.max(wants[index]!.want, pool.ready + pool.starting),
    })),
    budget,
  );

  const fill: string[] = [];
  const deficits = lessons.map((pool) => ({ lesson: pool.lesson, missing: targets.get(pool.lesson)! - pool.ready - pool.starting }));
  for (let round = 1; deficits.some(({ missing }) => missing >= round); round++) {
    for (const { lesson, missing } of deficits) if (missing >= round) fill.push(lesson);
  }
  // Least wanted first, so that under pressure the lessons learners ask for keep theirs longest.
  const retire: string[] = [];
  for (const pool of [...lessons].reverse()) {
    const excess = Math.min(pool.ready, pool.ready + pool.starting - keeps.get(pool.lesson)!);
    for (let i = 0; i < excess; i++) retire.push(pool.lesson);
  }
  return { targets, fill, retire };
}

/**
 * Which lesson gives up a ready sandbox when a learner of `wanted` finds every slot taken: never
 * `wanted` itself (its ready sandbox is claimed instead), the one asked for least recently, then
 * the one holding most, then the later in course order. Undefined when no other lesson has one ready.
 */
export function reclaimFrom(lessons: LessonPool[], wanted: string): string | undefined {
  const candidates = lessons
    .map((pool, order) => ({ pool, order }))
    .filter(({ pool }) => pool.lesson !== wanted && pool.ready > 0)
    .sort((a, b) => a.pool.lastDemandAt - b.pool.lastDemandAt || b.pool.ready - a.pool.ready || b.order - a.order);
  return candidates[0]?.pool.lesson;
}

/** Which of a lesson's ready sandboxes a learner gets: the one ready longest, so none sits for hours. */
export function claimIndex(readySince: number[]): number | undefined {
  if (readySince.length === 0) return undefined;
  let oldest = 0;
  readySince.forEach((at, index) => {
    if (at < readySince[oldest]!) oldest = index;
  });
  return oldest;
}
