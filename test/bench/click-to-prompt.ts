import { parseArgs } from 'node:util';
import { launchChromium } from '../support/chromium.js';
import { startTestEngine } from '../support/start-test-engine.js';

/**
 * `npx tsx test/bench/click-to-prompt.ts [--runs 7] [--lesson slug]`: in Debian's Chromium, a new
 * learner on the home page clicks a lesson; the time until the sandbox's prompt shows in the
 * terminal, without and with the warm pool (WARM_POOL_SIZE=0 and 1), each run on a fresh browser
 * profile. Prints each run and, last, one JSON line of medians.
 */
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function measure(poolSize: string, lesson: string, runs: number): Promise<number[]> {
  await using test = await startTestEngine({ MAX_SANDBOXES: '4', WARM_POOL_SIZE: poolSize });
  const browser = await launchChromium();
  const times: number[] = [];
  try {
    // The lesson's seed exists before the first timed run.
    await test.engine.sessions.destroy(await test.engine.sessions.create(lesson), 'ended');
    const title = test.engine.lessons.find((candidate) => candidate.slug === lesson)!.title;
    for (let run = 0; run < runs; run++) {
      if (poolSize !== '0') {
        const deadline = Date.now() + 300_000;
        while ((test.engine.sessions.poolState.readyByLesson[lesson] ?? 0) < 1) {
          if (Date.now() > deadline) throw new Error('the pool never had a ready sandbox');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(test.url);
      await page.waitForLoadState('networkidle');
      const started = Date.now();
      await page.getByRole('link', { name: title, exact: true }).first().click();
      await page.waitForFunction(
        () => /root@sandbox[^\n]*[#$]/.test(document.querySelector('.terminal-host:not([hidden]) .xterm-rows')?.textContent ?? ''),
        undefined,
        { polling: 'raf', timeout: 120_000 },
      );
      const ms = Date.now() - started;
      times.push(ms);
      console.log(`  pool ${poolSize}: run ${run + 1}: click -> prompt ${ms} ms`);
      await context.close();
      for (const session of test.engine.sessions.list()) await test.engine.sessions.destroy(session, 'ended');
    }
  } finally {
    await browser.close();
  }
  return times;
}

async function main() {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, lesson: { type: 'string', default: 'postgres-in-a-container' } } });
  const runs = Number(values.runs);
  const cold = await measure('0', values.lesson, runs);
  const warm = await measure('1', values.lesson, runs);
  console.log(JSON.stringify({ lesson: values.lesson, runs, coldP50Ms: median(cold), warmP50Ms: median(warm), cold, warm }));
}

main().catch((error: Error) => {
  console.error(`click-to-prompt failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
