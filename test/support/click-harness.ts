import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PAGE_MARKS, type PageMark } from '../../site/src/client/page-timings.js';
import { STORAGE_KEY } from '../../site/src/client/learner-key.js';
import type { UnattachedChromium } from './unattached-chromium.js';

/**
 * A page on the site's origin (written into a copy of the built site) that acts as a returning
 * learner on the home page: its learner key is stored first; then it prerenders the lesson page
 * (speculation rules added once the key is there, "immediate": the end state of a hover) or not,
 * and clicks the lesson's link when told: after `clickAfterMs`, or once `/go.txt` exists. It notes
 * the click's time in localStorage (`bench-click`).
 */
export function writeClickHarness(
  siteDir: string,
  file: string,
  options: { lesson: string; prerender: boolean; learnerKey: string; click: { afterMs: number } | 'when-go-file' },
): void {
  const href = `/lessons/${options.lesson}/`;
  const rules = JSON.stringify({ prerender: [{ urls: [href], eagerness: 'immediate' }] });
  const click = `localStorage.setItem('bench-click', String(Date.now())); document.getElementById('go').click();`;
  const when =
    options.click === 'when-go-file'
      ? `var asking = setInterval(function () { fetch('/go.txt', { cache: 'no-store' }).then(function (answer) { if (answer.ok) { clearInterval(asking); ${click} } }); }, 100);`
      : `setTimeout(function () { ${click} }, ${options.click.afterMs});`;
  writeFileSync(
    path.join(siteDir, file),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>click harness</title></head>
<body><a id="go" href="${href}">lesson</a>
<script>
  localStorage.setItem(${JSON.stringify(STORAGE_KEY)}, ${JSON.stringify(options.learnerKey)});
  ${options.prerender ? `var rules = document.createElement('script'); rules.type = 'speculationrules'; rules.textContent = ${JSON.stringify(rules)}; document.head.append(rules);` : ''}
  ${when}
</script></body></html>`,
  );
}

/** A learner key as the site makes one (site/src/client/learner-key.ts). */
export const newLearnerKey = () => randomBytes(32).toString('base64url');

/** What the lesson page's own timeline says, once it has shown its first output (null before). */
export interface LessonPageTimeline {
  /** The harness's click, epoch ms. */
  click: number;
  /** Each page mark, epoch ms (0: not marked). */
  marks: Record<PageMark, number>;
  /** When the terminal first fitted its box, on the page's own clock (-1: never). */
  terminalFitted: number;
  /** > 0: the page was prerendered, and shown by the click at this time (ms on its timeline). */
  activationStart: number;
  /** When the page asked (ms on its timeline, -1: never): its progress, its sandbox. */
  progressAsked: number;
  sessionAsked: number;
}

/**
 * The lesson page's timeline, once the harness page is gone (attaching to a page still being
 * prerendered would end the prerender) and the lesson page has shown its first output; null until then.
 */
export async function lessonPageTimeline(browser: UnattachedChromium, lesson: string, harnessFile: string): Promise<LessonPageTimeline | null> {
  const pages = await browser.pages();
  const page = pages.find((candidate) => new URL(candidate.url).pathname === `/lessons/${lesson}/`);
  if (!page || pages.some((candidate) => candidate.url.endsWith(harnessFile))) return null;
  return (await browser.evaluate(
    page,
    `(() => {
      const at = (name) => { const mark = performance.getEntriesByName(name)[0]; return mark ? performance.timeOrigin + mark.startTime : 0; };
      if (!at('dockyard:first-output')) return null;
      const asked = (suffix) => performance.getEntriesByType('resource').find((entry) => entry.name.endsWith(suffix))?.startTime ?? -1;
      return {
        click: Number(localStorage.getItem('bench-click')),
        marks: Object.fromEntries(${JSON.stringify(PAGE_MARKS)}.map((name) => [name, at(name)])),
        activationStart: performance.getEntriesByType('navigation')[0].activationStart ?? 0,
        progressAsked: asked('/api/progress'),
        sessionAsked: asked('/api/sessions'),
        terminalFitted: performance.getEntriesByName('dockyard:terminal-fitted')[0]?.startTime ?? -1,
      };
    })()`,
  )) as LessonPageTimeline | null;
}
