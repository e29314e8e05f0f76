/**
 * Marks on the page's Performance timeline (standard User Timing), each once per page, for
 * benchmarks and for anyone measuring real learners' pages: when the sandbox's answer came
 * (`dockyard:session-ready`), the socket connected (`dockyard:socket-connected`), and the sandbox's
 * first output (its prompt) was written into the main terminal (`dockyard:first-output`), and the
 * terminal first fitted its box (`dockyard:terminal-fitted`: before the click on a prerendered
 * page). A prerendered page's click is its navigation's `activationStart` on the same timeline.
 */
export const PAGE_MARKS = ['dockyard:session-ready', 'dockyard:socket-connected', 'dockyard:first-output', 'dockyard:terminal-fitted'] as const;
export type PageMark = (typeof PAGE_MARKS)[number];

const marked = new Set<PageMark>();

export function markOnce(name: PageMark): void {
  if (marked.has(name)) return;
  marked.add(name);
  performance.mark(name);
}
