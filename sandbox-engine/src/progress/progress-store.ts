/**
 * What the platform remembers of each learner's progress, and what instructors read of it.
 * The contract between the database (kysely-progress-store.ts over open-progress-db.ts: SQLite by
 * default or PostgreSQL through DATABASE_URL, one schema and one set of Kysely queries) and
 * everything above it: the gateway
 * records check attempts, the HTTP routes and pages read progress, the instructor's live table
 * and exports read a class.
 *
 * Learners are identified by the sha256 of their browser's learner key (sessions/learner-key.ts):
 * the same id the engine already keeps, so no new secret is stored.
 */

/** hex sha256 of the learner key (64 lowercase hex characters). */
export type LearnerId = string;

export interface CheckAttempt {
  learner: LearnerId;
  lesson: string;
  step: string;
  passed: boolean;
  /** Labels (or messages) of the checks that failed; empty when passed. */
  failedChecks: string[];
  /** The first failure message the learner saw (for the instructor's "last failure"). */
  message?: string;
  at: Date;
  durationMs: number;
}

/** Where a page of a class's attempts ended: the next page starts after it. */
export interface AttemptCursor {
  learner: LearnerId;
  id: number;
}

export interface ClassAttemptsPage {
  attempts: (CheckAttempt & { displayName: string })[];
  next?: AttemptCursor;
}

/** Something the learner did on a step besides checking it. */
export type StepEventKind = 'lesson-started' | 'hint-opened' | 'solution-shown' | 'replayed';

export interface StepEvent {
  learner: LearnerId;
  lesson: string;
  /** Empty for lesson-level events (lesson-started). */
  step: string;
  kind: StepEventKind;
  at: Date;
}

export interface LessonProgress {
  lesson: string;
  /** Step ids passed, in the order they were first passed. */
  passedSteps: string[];
  /** Ids of steps whose check was attempted and failed at least once and that were not passed since. */
  failedSteps: string[];
  startedAt?: Date;
  /** When the last step of the lesson was first passed (set only when every step is passed). */
  completedAt?: Date;
  /** Last time anything was recorded for this lesson. */
  lastActivityAt?: Date;
  /** Steps on which the learner opened the hint / was shown the solution. */
  hintsOpened: string[];
  solutionsShown: string[];
}

export interface LearnerProfile {
  id: LearnerId;
  displayName?: string;
  classes: { id: string; name: string; code: string }[];
}

export interface ClassInfo {
  id: string;
  name: string;
  /** Short code a learner types (or follows as /join/<code>), e.g. "K7M-2QF". */
  code: string;
  createdAt: Date;
}

/** One learner's row in an instructor's class table, per lesson. */
export interface ClassLearnerLesson {
  lesson: string;
  passedSteps: string[];
  /** When each passed step was first passed, oldest first. */
  stepPasses: { step: string; at: Date }[];
  failedAttempts: number;
  /** Failed attempts per step (step id → count). */
  failuresByStep: Map<string, number>;
  lastFailure?: { step: string; message: string; at: Date };
  startedAt?: Date;
  completedAt?: Date;
  lastActivityAt?: Date;
}

export interface ClassLearnerRow {
  learner: LearnerId;
  displayName: string;
  joinedAt: Date;
  lessons: ClassLearnerLesson[];
}

/** The store. Every method is safe to call concurrently; records are never lost or duplicated. */
export interface ProgressStore {
  /** Makes sure the learner exists (first sight: created anonymous). */
  ensureLearner(learner: LearnerId): Promise<void>;
  setDisplayName(learner: LearnerId, displayName: string): Promise<void>;
  profile(learner: LearnerId): Promise<LearnerProfile>;

  recordAttempt(attempt: CheckAttempt): Promise<void>;
  recordEvent(event: StepEvent): Promise<void>;

  /** Progress of one learner in every lesson they touched (by lesson slug). */
  progress(learner: LearnerId): Promise<LessonProgress[]>;
  lessonProgress(learner: LearnerId, lesson: string): Promise<LessonProgress>;
  /** The steps of a lesson the learner passed, in the order first passed (what a new sandbox starts with). */
  passedSteps(learner: LearnerId, lesson: string): Promise<string[]>;

  createClass(name: string): Promise<ClassInfo>;
  /** Newest first. */
  classes(): Promise<ClassInfo[]>;
  /** Accepts the code as typed ("k7m2qf"); undefined when no class has it. */
  classByCode(code: string): Promise<ClassInfo | undefined>;
  /** A new join code for the class (the old one stops working); undefined when there is no such class. */
  renewClassCode(classId: string): Promise<ClassInfo | undefined>;
  /** Takes the learner out of the class (their progress stays theirs); false when they were not in it. */
  leaveClass(classId: string, learner: LearnerId): Promise<boolean>;
  /** Joins (again: keeps the first joinedAt) and sets the learner's display name; an unknown classId throws. */
  joinClass(learner: LearnerId, classId: string, displayName: string): Promise<void>;
  /** One row per member, by display name; lessons by slug. */
  classRows(classId: string): Promise<ClassLearnerRow[]>;
  /**
   * A page of the class's check attempts, learner by learner, each learner's in the order recorded; `next`
   * continues after it (absent: the last page). For the JSON export only, read a page at a time so
   * a long history never holds the engine: it grows with every check, so the live table reads the
   * per-step summaries of classRows instead.
   */
  classAttemptsPage(classId: string, page: { after?: AttemptCursor; limit: number }): Promise<ClassAttemptsPage>;

  close(): Promise<void>;
}

/** A change a live view may want to show (pushed to instructors' tables). */
export interface ProgressChange {
  learner: LearnerId;
  /** The lesson it concerns; empty for learner-level changes (kind 'profile', 'joined' or 'left'). */
  lesson: string;
  /** attempt: a check ran; event: a StepEvent; profile: the display name changed; joined: joined a class. */
  kind: 'attempt' | 'event' | 'profile' | 'joined' | 'left';
}

/** A store that tells listeners of every change it recorded (in this process). */
export interface ObservableProgressStore extends ProgressStore {
  onChange(listener: (change: ProgressChange) => void): () => void;
}
