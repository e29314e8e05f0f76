import type { StartPlace } from '../../../sandbox-engine/src/contracts/session.js';

/** Starts ahead of this one: those running and those waiting before it in line (0 when it is starting now). */
export function startsAhead(place: StartPlace): number {
  return place.position === 0 ? 0 : place.running + place.position - 1;
}

/** What the terminal's cover says while the learner's sandbox waits for one of the server's start slots. */
export function startPlaceText(place: StartPlace): string {
  const ahead = startsAhead(place);
  if (ahead === 0) return 'Starting your sandbox…';
  return (
    `Starting your sandbox — ${ahead} ${ahead === 1 ? 'start' : 'starts'} ahead of you ` +
    `(this server starts ${place.slots} at a time). Yours begins by itself: keep this page open; you can read the lesson meanwhile.`
  );
}
