import type { SessionEnded, SessionExpiring } from '../contracts/socket-events.js';
import type { Session } from './session.js';

export interface SessionReaperDeps {
  sessions: () => Session[];
  /** The container ids that run now, or undefined when Docker does not answer. */
  runningContainers: () => Promise<Set<string> | undefined>;
  end: (session: Session, reason: SessionEnded['reason']) => Promise<void>;
  warn: (session: Session, payload: SessionExpiring) => void;
  settings: () => { idleTimeoutMs: number; warnBeforeMs: number };
}

/** Ends idle, expired and dead sessions on a timer, and warns once before an idle or lifetime end. */
export class SessionReaper {
  private timer: NodeJS.Timeout | undefined;
  private reaping = false;

  constructor(private readonly deps: SessionReaperDeps) {}

  start(intervalMs = 2000): void {
    this.timer ??= setInterval(() => void this.reap(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async reap(now = Date.now()): Promise<void> {
    if (this.reaping) return;
    this.reaping = true;
    try {
      const { idleTimeoutMs, warnBeforeMs } = this.deps.settings();
      // When Docker does not answer, nothing is known to be dead: only the clocks are applied.
      const running = await this.deps.runningContainers().catch(() => undefined);
      for (const session of this.deps.sessions()) {
        if (running && !running.has(session.containerId)) {
          await this.deps.end(session, 'sandbox-died');
          continue;
        }
        const deadline = session.idleExpiresAt(idleTimeoutMs);
        const reason = deadline >= session.expiresAt ? 'lifetime' : 'idle';
        if (now >= deadline) await this.deps.end(session, reason);
        else if (deadline - now <= warnBeforeMs && session.warnedFor !== deadline) {
          session.warnedFor = deadline;
          this.deps.warn(session, { reason, at: new Date(deadline).toISOString() });
        }
      }
    } finally {
      this.reaping = false;
    }
  }
}
