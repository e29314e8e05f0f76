import type { LessonPool } from './warm-pool-policy.js';

/** When learners asked for new sandboxes of each lesson: what "auto" sizes the pool by, and what expires a lesson's pool. */
export class PoolDemand {
  private readonly byLesson = new Map<string, { last: number; times: number[] }>();

  constructor(
    /** How far back requests count towards a lesson's demand. */
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Start-up counts as demand for every lesson not asked for yet. */
  seed(lessons: string[]): void {
    const now = this.now();
    for (const lesson of lessons) if (!this.byLesson.has(lesson)) this.byLesson.set(lesson, { last: now, times: [] });
  }

  /** A learner asked for a new sandbox of this lesson. */
  note(lesson: string): void {
    const now = this.now();
    const entry = this.byLesson.get(lesson) ?? { last: now, times: [] };
    entry.last = now;
    entry.times = entry.times.filter((at) => now - at <= this.windowMs);
    entry.times.push(now);
    this.byLesson.set(lesson, entry);
  }

  /** The lesson's demand as the policy reads it (warm-pool-policy.ts LessonPool). */
  of(lesson: string): Pick<LessonPool, 'lastDemandAt' | 'demand'> {
    const now = this.now();
    const entry = this.byLesson.get(lesson);
    return {
      lastDemandAt: entry?.last ?? Number.NEGATIVE_INFINITY,
      demand: (entry?.times ?? []).filter((at) => now - at <= this.windowMs),
    };
  }
}
