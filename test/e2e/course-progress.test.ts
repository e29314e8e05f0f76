import path from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { terminalText, typeInTerminal, waitForQuietPrompt, waitUntil } from '../support/chromium.js';
import { audit } from '../support/axe-audit.js';
import { artifacts, useBrowserAndEngine } from '../support/browser-and-engine.js';

const TITLE = 'Run PostgreSQL in a container';

/** The home page's card of a lesson. */
const card = (page: Page, slug: string) => page.locator(`[data-lesson-card="${slug}"]`);
const stepNav = (page: Page) => page.getByRole('navigation', { name: 'Steps' });
/** The step list's "N of M steps done". */
const stepsDone = (page: Page) => stepNav(page).locator('[data-step-nav-progress]').innerText();
const step = (page: Page, number: number) => page.getByRole('region', { name: new RegExp(`^Step ${number}:`) });

/** Types a step's commands into the terminal as a learner would, then clicks Check and waits for "Passed". */
async function doStep(page: Page, region: Locator, commands: string[]): Promise<void> {
  for (const command of commands) {
    await typeInTerminal(page, command);
    await waitForQuietPrompt(page, 60_000);
  }
  await region.getByRole('button', { name: 'Check', exact: true }).click();
  const status = region.getByRole('status');
  await waitUntil('the step to pass', async () => /Passed/.test(await status.innerText()), 60_000).catch(async (error) => {
    throw new Error(`${(error as Error).message}\nstatus: ${await status.innerText()}\nterminal:\n${(await terminalText(page)).slice(-1500)}`);
  });
}

describe('a learner follows the course in Chromium: progress, Continue, help, name, class, replay', () => {
  const env = useBrowserAndEngine();
  /** One learner (one browser context) through the first two tests. */
  let context: BrowserContext;
  let page: Page;

  it('passes two steps of lesson 1, then sees "2 of 6 steps" and Continue at home and "2 of 6 steps done" back in the lesson', async () => {
    context = await env.browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    await page.goto(env.test.url);
    const lessonCard = card(page, 'postgres-in-a-container');
    await waitUntil('the card progress of a new learner', async () => /0 of 6 steps/.test(await lessonCard.innerText()));
    expect(await page.getByRole('link', { name: /^Continue/ }).count()).toBe(0);
    // Prerequisites are named and linked.
    const deepDive = card(page, 'container-deep-dive');
    expect(await deepDive.getByRole('link', { name: `${TITLE} (lesson 1)`, exact: true }).getAttribute('href')).toBe('/lessons/postgres-in-a-container/');

    await page.getByRole('link', { name: TITLE, exact: true }).click();
    await waitUntil('the sandbox prompt', async () => /root@sandbox/.test(await terminalText(page)), 120_000);
    await waitForQuietPrompt(page);
    expect(await stepsDone(page)).toBe('0 of 6 steps done');

    // Step 1, checked before it is done: the hint is offered; once it is open, the solution too.
    const first = step(page, 1);
    await first.getByRole('button', { name: 'Check', exact: true }).click();
    await waitUntil('the failed check', async () => /Not passed yet/.test(await first.getByRole('status').innerText()), 60_000);
    expect(await first.getByRole('button', { name: 'Show solution' }).count()).toBe(0);
    await first.getByRole('button', { name: 'Show hint' }).click();
    expect(await first.locator('.step-hint').innerText()).toMatch(/^Hint: .*--name db/);
    await first.getByRole('button', { name: 'Show solution' }).click();
    const solution = first.locator('.step-solution');
    expect(await solution.locator('pre').innerText()).toContain('docker run -d -p 5432 --name db');
    expect(await solution.getByRole('button', { name: 'Copy' }).count()).toBe(1);
    expect(await first.getByRole('button', { name: 'Hide solution' }).getAttribute('aria-expanded')).toBe('true');
    await first.locator('.step-check').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(artifacts, 'course-step-help.png') });

    await doStep(page, first, ['docker run -d -p 5432 --name db -e POSTGRES_USER=docker -e POSTGRES_PASSWORD=docker -e POSTGRES_DB=hartl postgres:15']);
    await doStep(page, step(page, 2), ['docker ps', 'docker port db 5432']);
    const nav = stepNav(page);
    await waitUntil('the step list to count two', async () => (await stepsDone(page)) === '2 of 6 steps done');
    expect(await nav.getByRole('listitem').nth(0).innerText()).toMatch(/Passed/);
    expect(await nav.getByRole('listitem').nth(2).innerText()).not.toMatch(/Passed/);
    expect(await nav.getByRole('link', { name: /Step 3: Connect with psql/ }).getAttribute('href')).toBe('#step-connect-with-psql');
    expect(await audit(page)).toEqual([]);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(artifacts, 'course-lesson-two-steps.png') });

    await page.getByRole('link', { name: 'Dockyard Lessons' }).first().click();
    await waitUntil('the card progress', async () => /2 of 6 steps/.test(await card(page, 'postgres-in-a-container').innerText()));
    const resume = page.getByRole('link', { name: /^Continue/ });
    await waitUntil('Continue', () => resume.isVisible());
    expect(await resume.getAttribute('href')).toBe('/lessons/postgres-in-a-container/#step-connect-with-psql');
    expect(await page.locator('[data-continue-text]').innerText()).toMatch(/step 3 of 6: Connect with psql/);
    expect(await card(page, 'container-deep-dive').innerText()).toMatch(/0 of \d+ steps/);

    // The optional name: a wrong one is refused in words, a good one saved.
    const name = page.getByRole('textbox', { name: /Your name/ });
    await name.fill('   ');
    await page.getByRole('button', { name: 'Save name' }).click();
    expect(await page.locator('[data-name-status]').innerText()).toBe('Type a name.');
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    await name.fill('Ada Lovelace');
    await page.getByRole('button', { name: 'Save name' }).click();
    await waitUntil('the name saved', async () => (await page.locator('[data-name-status]').innerText()) === 'Saved.');
    expect(await audit(page)).toEqual([]);
    await page.screenshot({ path: path.join(artifacts, 'course-home-progress.png'), fullPage: true });

    await resume.click();
    await page.waitForURL(/#step-connect-with-psql$/);
    await waitUntil('the step list after coming back', async () => (await stepsDone(page)) === '2 of 6 steps done', 30_000);
    await waitUntil('the sandbox prompt again', async () => /root@sandbox/.test(await terminalText(page)), 60_000);
    // The same sandbox (resumed): nothing to bring back.
    expect(await page.locator('[data-replay-banner]').isVisible()).toBe(false);
    await page.screenshot({ path: path.join(artifacts, 'course-lesson-continued.png') });
  });

  it('offers a new sandbox of the half-done lesson the replay, which brings it to step 2; then the lesson is finished', async () => {
    expect(page, 'the first test left the learner in lesson 1').toBeDefined();
    await page.getByRole('button', { name: 'End sandbox' }).click();
    await page.getByRole('button', { name: 'Start a new sandbox' }).click();
    const offer = page.getByRole('button', { name: 'Bring this sandbox to where you were (steps 1 and 2)' });
    await waitUntil('the replay offer', () => offer.isVisible(), 120_000);
    expect(await audit(page)).toEqual([]);
    await page.screenshot({ path: path.join(artifacts, 'course-replay-offer.png') });
    await offer.click();
    const banner = page.locator('[data-replay-text]');
    await waitUntil('the replay typing', async () => /^(Replaying|Checking|Replayed) step \d of 2/.test(await banner.innerText()), 30_000);
    expect(await page.locator('[data-replay-note]').innerText()).toMatch(/typing into your terminal/);
    await page.screenshot({ path: path.join(artifacts, 'course-replay-running.png') });
    await waitUntil('the replay to finish', async () => /where you were|stopped/.test(await banner.innerText()), 180_000);
    expect(await banner.innerText()).toMatch(/Your sandbox is where you were: both steps were replayed and checked/);
    expect(await terminalText(page)).toMatch(/docker port db 5432/);
    await page.screenshot({ path: path.join(artifacts, 'course-replay-done.png') });
    // The sandbox itself is at step 2: step 3 can be done on it.
    await doStep(page, step(page, 3), [
      `PORT=$(docker port db 5432/tcp | head -n1 | awk -F: '{print $NF}'); for i in $(seq 1 60); do pg_isready -q -h localhost -p "$PORT" && break; sleep 0.5; done; PGPASSWORD=docker psql -h localhost -p "$PORT" -U docker hartl -c "CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL)"`,
    ]);
    await waitUntil('three steps done', async () => (await stepsDone(page)) === '3 of 6 steps done');

    // The rest of the lesson: the completion panel names what was learned and leads to the next lesson.
    const complete = page.getByRole('region', { name: 'Lesson complete' });
    expect(await complete.isVisible()).toBe(false);
    await doStep(page, step(page, 4), ['docker stop db']);
    await doStep(page, step(page, 5), ['docker ps -a']);
    await doStep(page, step(page, 6), ['docker rm db']);
    await waitUntil('the completion panel', () => complete.isVisible());
    expect(await stepsDone(page)).toBe('6 of 6 steps done');
    expect(await complete.getByRole('listitem').allInnerTexts()).toEqual([
      'Start PostgreSQL in the background',
      'See the container and find its port',
      'Connect with psql and create a table',
      'Stop the container',
      'Find the stopped container',
      'Remove the container',
    ]);
    expect(await complete.getByRole('link', { name: /^Next lesson: / }).getAttribute('href')).toBe('/lessons/rails-over-two-containers/');
    expect(await page.locator('[data-lesson-complete-announce]').innerText()).toMatch(/You finished this lesson/);
    expect(await audit(page)).toEqual([]);
    await complete.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(artifacts, 'course-lesson-complete.png') });

    await page.goto(env.test.url);
    await waitUntil('the lesson done on its card', async () => /Done/.test(await card(page, 'postgres-in-a-container').innerText()));
    expect(await card(page, 'postgres-in-a-container').innerText()).not.toMatch(/of 6 steps/);
    await context.close();
  });

  it('joins a class from its link, and says clearly when a code names no class', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1200, height: 800 } });
    const page = await context.newPage();
    const course = await env.test.engine.progress.createClass('Docker 101 (e2e)');

    await page.goto(`${env.test.url}join?code=ZZZ-ZZZ`);
    const alert = page.getByRole('alert');
    await waitUntil('the unknown code', async () => /No class has the code ZZZ-ZZZ/.test(await alert.innerText()));
    expect(await page.getByRole('textbox', { name: 'Class code' }).getAttribute('aria-invalid')).toBe('true');
    expect(await audit(page)).toEqual([]);
    await page.screenshot({ path: path.join(artifacts, 'course-join-unknown.png') });

    await page.goto(`${env.test.url}join/${course.code}`);
    await waitUntil('the class name', async () => (await page.getByRole('heading', { level: 1 }).innerText()) === 'Join Docker 101 (e2e)', 15_000);
    await page.getByRole('button', { name: 'Join' }).click();
    expect(await alert.innerText()).toBe('Type a name.');
    await page.getByRole('textbox', { name: 'Your name' }).fill('Grace Hopper');
    expect(await audit(page)).toEqual([]);
    await page.screenshot({ path: path.join(artifacts, 'course-join.png') });
    await page.getByRole('button', { name: 'Join' }).click();
    await waitUntil('joined', async () => /You are in “Docker 101 \(e2e\)” as Grace Hopper/.test(await page.getByRole('status').first().innerText()));
    const rows = await env.test.engine.progress.classRows(course.id);
    expect(rows.map((row) => row.displayName)).toEqual(['Grace Hopper']);

    await page.goto(env.test.url);
    await waitUntil('the class on the home page', async () => /Your class: Docker 101 \(e2e\)/.test(await page.locator('[data-classes]').innerText()));
    expect(await page.getByRole('textbox', { name: /Your name/ }).inputValue()).toBe('Grace Hopper');
    await context.close();
  });
});
