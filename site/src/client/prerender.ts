/**
 * Lesson pages are prerendered while the pointer rests on a link to one (Chromium's speculation
 * rules, "moderate": ~200 ms of hover, or the press): the page, its modules, the terminal and the
 * lesson's text are ready when the click comes, and the click only asks for the sandbox and
 * connects. Other browsers ignore the rules and load the page on click as before.
 */
export const speculationRules = JSON.stringify({
  prerender: [{ where: { href_matches: '/lessons/*' }, eagerness: 'moderate' }],
});

/** The part of Document this needs (`prerendering` is not in TypeScript's DOM types yet). */
interface PrerenderingDocument {
  prerendering?: boolean;
  addEventListener(type: 'prerenderingchange', listener: () => void, options: { once: true }): void;
}

/**
 * Runs `act` once the page is shown to the learner: at once, or when a prerendered page is
 * activated by the click. What acts for the learner (asking for a sandbox: a prerender that is
 * never shown must not hold one) waits for this; reading may run before.
 */
export function whenShown(act: () => void, doc: PrerenderingDocument = document as unknown as PrerenderingDocument): void {
  if (doc.prerendering) doc.addEventListener('prerenderingchange', act, { once: true });
  else act();
}

/** Whether the page is being prerendered now (not yet shown to anyone). */
export function isPrerendering(doc: PrerenderingDocument = document as unknown as PrerenderingDocument): boolean {
  return doc.prerendering === true;
}
