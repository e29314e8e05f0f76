import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, startTestEngine } from '../support/start-test-engine.js';
import { launchUnattachedChromium } from '../support/unattached-chromium.js';
import { waitUntil } from '../support/wait-for.js';
import { lessonPageTimeline, newLearnerKey, writeClickHarness, type LessonPageTimeline } from '../support/click-harness.js';
import { PAGE_MARKS, type PageMark } from '../../site/src/client/page-timings.js';
import { ms, percentile } from './percentile.js';

/**
 * `npx tsx test/bench/prerendered-click.ts [--runs 7] [--lesson slug]`: click on a lesson → its
 * sandbox's prompt in the terminal, with the warm pool, when the lesson page was prerendered
 * before the click (what the site's speculation rules do while the pointer rests on a lesson link)
 * against the same click without prerendering, alternating, each run in a fresh Chromium profile.
 *
 * Chromium turns prerendering off while a DevTools client (Playwright) is attached, so nothing is
 * attached until the page has shown its prompt: a small page on the site's origin, a returning
 * learner's (its key stored: the lesson page's inline script asks at once), prerenders the lesson
 * or not, waits, notes the time and clicks the link (test/support/click-harness.ts); afterwards the
 * bench reads, over DevTools, the lesson page's
 * marks (site/src/client/page-timings.ts: the sandbox's answer, the socket, the first output) and
 * whether it was prerendered.
 * The last line is one JSON object (also in test-results/prerendered-click.json).
 */
const { values } = parseArgs({
  options: { runs: { type: 'string', default: '7' }, lesson: { type: 'string', default: 'postgres-in-a-container' }, 'wait-ms': { type: 'string', default: '4000' } },
});
const runs = Number(values.runs);
const lesson = values.lesson;
const waitMs = Number(values['wait-ms']);
const HARNESS = 'dockyard-bench-click.html';

type Mode = 'prerendered' | 'plain';

const sleep = (duration: number) => new Promise((resolve) => setTimeout(resolve, duration));

/** Each mark's time after the click, in ms. */
type Sample = { mode: Mode; prerendered: boolean } & Record<PageMark, number>;

async function main() {
  const site = mkdtempSync(path.join(tmpdir(), 'dockyard-bench-site-'));
  cpSync(path.resolve(repoRoot, process.env.SITE_DIR ?? 'site/dist'), site, { recursive: true });
  await using test = await startTestEngine({ MAX_SANDBOXES: '4', WARM_POOL_SIZE: '1', SITE_DIR: site });
  const samples: Sample[] = [];
  try {
    // The lesson's seed exists before the first timed run.
    await test.engine.sessions.destroy(await test.engine.sessions.create(lesson), 'ended');
    for (let run = 0; run < runs * 2; run++) {
      const mode: Mode = run % 2 === 0 ? 'prerendered' : 'plain';
      writeClickHarness(site, HARNESS, { lesson, prerender: mode === 'prerendered', learnerKey: newLearnerKey(), click: { afterMs: waitMs } });
      await waitUntil('a ready pool sandbox', () => (test.engine.sessions.poolState.readyByLesson[lesson] ?? 0) >= 1, 300_000);
      const browser = await launchUnattachedChromium(new URL(HARNESS, test.url).href);
      try {
        let result: LessonPageTimeline | null = null;
        const until = Date.now() + waitMs + 120_000;
        // Every 250 ms, not waitUntil's 50: each look attaches DevTools to the page being measured.
        while (!result) {
          if (Date.now() > until) throw new Error('the lesson page never showed its first output (a site built before page-timings.ts has no marks: npm run setup builds site/dist)');
          await sleep(250);
          result = await lessonPageTimeline(browser, lesson, HARNESS);
        }
        const { click, marks, activationStart } = result;
        const sample: Sample = {
          mode,
          prerendered: activationStart > 0,
          ...(Object.fromEntries(PAGE_MARKS.map((name) => [name, Math.round(marks[name] - click)])) as Record<PageMark, number>),
        };
        console.log(`  run ${Math.floor(run / 2) + 1} ${mode}${sample.prerendered ? ' (prerendered)' : ''}: ${PAGE_MARKS.map((name) => `${name} ${sample[name]} ms`).join(', ')}`);
        if (mode === 'prerendered' && !sample.prerendered) console.log('    the page was not prerendered: not counted');
        else samples.push(sample);
      } finally {
        await browser[Symbol.asyncDispose]();
        for (const session of test.engine.sessions.list()) await test.engine.sessions.destroy(session, 'ended');
      }
    }
  } finally {
    rmSync(site, { recursive: true, force: true });
  }
  const of = (mode: Mode, name: PageMark = 'dockyard:first-output') =>
    samples.filter((sample) => sample.mode === mode).map((sample) => sample[name]);
  const p50s = (mode: Mode) => Object.fromEntries(PAGE_MARKS.map((name) => [name, ms(percentile(of(mode, name), 50))]));
  const report = {
    lesson,
    runs,
    load1: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]),
    prerenderedClickToPromptP50Ms: ms(percentile(of('prerendered'), 50)),
    plainClickToPromptP50Ms: ms(percentile(of('plain'), 50)),
    plainOverPrerendered: Math.round((percentile(of('plain'), 50) / Math.max(1, percentile(of('prerendered'), 50))) * 10) / 10,
    marksP50Ms: { prerendered: p50s('prerendered'), plain: p50s('plain') },
    prerendered: of('prerendered'),
    plain: of('plain'),
  };
  mkdirSync(path.join(repoRoot, 'test-results'), { recursive: true });
  writeFileSync(path.join(repoRoot, 'test-results', 'prerendered-click.json'), `${JSON.stringify(report)}\n`);
  console.log(JSON.stringify(report));
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
