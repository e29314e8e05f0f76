import type { SessionEnded, SessionExpiring } from '../contracts/socket-events.js';
import type { Session } from './session.js';

export type SessionEvent =
  | { type: 'expiring'; session: Session; payload: SessionExpiring }
  | { type: 'ended'; session: Session; payload: SessionEnded };

const endMessages: Record<SessionEnded['reason'], string> = {
  idle: 'Your sandbox was stopped after a period without activity. Everything in it is gone.',
  lifetime: 'Your sandbox reached its maximum lifetime and was stopped. Everything in it is gone.',
  ended: 'This sandbox was ended.',
  moved: 'You started another lesson, so this sandbox was ended: a learner holds one sandbox at a time.',
  'sandbox-died': 'Your sandbox stopped unexpectedly (it may have run out of memory). Everything in it is gone.',
  'kernel-limit':
    'Your sandbox was stopped: it held more network neighbour entries (ip neigh: permanent, proxy or flagged ones) than a sandbox may, or kept them where they could not be counted; they cost the host memory that no sandbox limit counts. Everything in it is gone.',
};

/** Tells listeners (the socket gateways) that a session is about to end, or ended and why, in words for the learner. */
export class SessionEvents {
  private readonly listeners = new Set<(event: SessionEvent) => void>();

  /** Adds a listener; the function returned removes it. */
  on(listener: (event: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  expiring(session: Session, payload: SessionExpiring): void {
    this.emit({ type: 'expiring', session, payload });
  }

  ended(session: Session, reason: SessionEnded['reason']): void {
    this.emit({ type: 'ended', session, payload: { reason, message: endMessages[reason] } });
  }

  private emit(event: SessionEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
