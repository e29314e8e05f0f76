import type { ReplayProgress } from '../../../sandbox-engine/src/contracts/progress.js';

/**
 * The steps a replay would bring back: those the learner passed before (the progress store), in
 * lesson order. The engine picks the same ones (stepsToReplay in
 * sandbox-engine/src/sessions/replay-passed-steps.ts), and its progress events are what the page then shows.
 */
export function replayableSteps(lessonSteps: readonly string[], recorded: Iterable<string>): string[] {
  const wanted = new Set(recorded);
  return lessonSteps.filter((id) => wanted.has(id));
}

/** "step 2", "steps 1 and 2", "steps 1–3", "steps 1, 2 and 4", "steps 1–3 and 5": step numbers (from 1) for a sentence. */
export function stepRangeText(numbers: readonly number[]): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  if (sorted.length === 0) return 'no steps';
  if (sorted.length === 1) return `step ${sorted[0]}`;
  const parts: string[] = [];
  for (let start = 0; start < sorted.length; ) {
    let end = start;
    while (end + 1 < sorted.length && sorted[end + 1] === sorted[end]! + 1) end++;
    if (end - start >= 2) parts.push(`${sorted[start]}–${sorted[end]}`);
    else for (let index = start; index <= end; index++) parts.push(String(sorted[index]));
    start = end + 1;
  }
  const last = parts.pop()!;
  return `steps ${parts.length > 0 ? `${parts.join(', ')} and ${last}` : last}`;
}

/** What the page says while a replay goes: "Replaying step 2 of 3: Find the port…", then done or why it stopped. */
export function replayStatusText(event: ReplayProgress, stepTitle: string): string {
  const position = `step ${event.index + 1} of ${event.total}`;
  switch (event.state) {
    case 'typing':
      return `Replaying ${position}: ${stepTitle}…`;
    case 'checking':
      return `Checking ${position}: ${stepTitle}…`;
    case 'passed':
      return `Replayed ${position}: ${stepTitle}.`;
    case 'done':
      return `Your sandbox is where you were: ${event.total === 1 ? 'the step was' : event.total === 2 ? 'both steps were' : `all ${event.total} steps were`} replayed and checked.`;
    case 'failed':
      return `The replay stopped at ${position} (${stepTitle}): ${event.message ?? 'it did not pass'}. Carry on from there yourself.`;
  }
}
