import type { Generated, Insertable, Selectable } from 'kysely';

/**
 * The progress database's tables, as Kysely sees them: one schema for SQLite and PostgreSQL.
 * Portable column types only: times are ISO-8601 UTC text (`Date#toISOString`, which sorts as
 * time does), booleans are integers 0/1, lists are JSON text.
 */
export interface ProgressDatabase {
  learners: LearnersTable;
  classes: ClassesTable;
  class_members: ClassMembersTable;
  attempts: AttemptsTable;
  step_events: StepEventsTable;
  step_passes: StepPassesTable;
}

export interface LearnersTable {
  /** sha256 hex of the learner key. */
  id: string;
  display_name: string | null;
  created_at: string;
}

export interface ClassesTable {
  id: string;
  name: string;
  /** "K7M-2QF": unique. */
  code: string;
  created_at: string;
}

export interface ClassMembersTable {
  class_id: string;
  learner_id: string;
  joined_at: string;
}

/** Every check attempt, passed or not. */
export interface AttemptsTable {
  id: Generated<number>;
  learner_id: string;
  lesson: string;
  step: string;
  /** 1 passed, 0 failed. */
  passed: number;
  /** JSON array of the failed checks' labels. */
  failed_checks: string;
  message: string | null;
  at: string;
  duration_ms: number;
}

export interface StepEventsTable {
  id: Generated<number>;
  learner_id: string;
  lesson: string;
  /** Empty for lesson-level events. */
  step: string;
  kind: string;
  at: string;
}

/** The first pass of each step: one row per learner, lesson and step (the primary key). */
export interface StepPassesTable {
  learner_id: string;
  lesson: string;
  step: string;
  passed_at: string;
}

export type AttemptRow = Selectable<AttemptsTable>;
export type NewAttempt = Insertable<AttemptsTable>;
