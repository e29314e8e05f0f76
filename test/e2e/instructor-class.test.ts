import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hashLearnerKey } from '../../sandbox-engine/src/sessions/learner-key.js';
import { audit } from '../support/axe-audit.js';
import { artifacts, useBrowserAndEngine } from '../support/browser-and-engine.js';
import { terminalText, typeInTerminal, waitForQuietPrompt, waitUntil } from '../support/chromium.js';

const PASSWORD = 'instructor passphrase for e2e';
const LESSON_TITLE = 'Run PostgreSQL in a container';
const MARKER = '/root/instructor-was-here';

/** What the instructor's read-only view of the learner's terminal shows. */
const watchedText = (page: Page) => page.locator('[data-watch-terminal] .xterm-rows').innerText();

/** Runs a command in the learner's terminal, then checks a step and waits for "Passed". */
async function passStep(page: Page, number: number, command: string): Promise<void> {
  await typeInTerminal(page, command);
  await waitForQuietPrompt(page, 90_000);
  const step = page.getByRole('region', { name: new RegExp(`^Step ${number}:`) });
  await step.getByRole('button', { name: 'Check', exact: true }).click();
  const status = step.getByRole('status');
  await waitUntil(`step ${number} to pass`, async () => /Passed/.test(await status.innerText()), 60_000);
}

describe('an instructor follows a class live and watches a learner, read-only', () => {
  const env = useBrowserAndEngine({ INSTRUCTOR_PASSWORD: PASSWORD });

  it('signs in, creates a class, sees a learner progress without reloading, and watches their terminal', async () => {
    const teacher = await env.browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const instructor = await teacher.newPage();
    await instructor.goto(`${env.test.url}instructor`);
    await instructor.getByLabel('Password').fill(PASSWORD);
    await instructor.getByRole('button', { name: 'Sign in' }).click();
    await waitUntil('the classes', () => instructor.getByRole('heading', { name: 'Classes', exact: true }).isVisible());
    await instructor.getByLabel('New class name').fill('Tuesday lab');
    await instructor.getByRole('button', { name: 'Create class' }).click();
    const joinLink = instructor.locator('[data-join-link]');
    await waitUntil('the join link', async () => /\/join\?code=[A-Z0-9]{3}-[A-Z0-9]{3}$/.test(await joinLink.innerText()));
    const joinUrl = await joinLink.innerText();
    // Marks this document: still there at the end means the table was never reloaded.
    await instructor.evaluate(() => Object.assign(window, { dockyardNotReloaded: true }));

    // The learner: another browser, joins with a name from the link, then opens lesson 1.
    const learnerContext = await env.browser.newContext({ viewport: { width: 1400, height: 900 } });
    const learner = await learnerContext.newPage();
    await learner.goto(joinUrl);
    await waitUntil('the class name', async () => /Join Tuesday lab/.test(await learner.getByRole('heading', { level: 1 }).innerText()));
    await learner.getByLabel('Your name').fill('Ada Lovelace');
    await learner.getByRole('button', { name: 'Join' }).click();
    await waitUntil('the joined notice', async () => /You joined Tuesday lab/.test(await learner.getByRole('heading', { level: 1 }).innerText()));

    const table = instructor.getByRole('table');
    const adaRow = table.getByRole('row').filter({ has: instructor.getByRole('rowheader', { name: 'Ada Lovelace' }) });
    await waitUntil('Ada in the table', async () => (await adaRow.count()) === 1, 20_000);
    expect(await table.locator('caption').innerText()).toMatch(/^Tuesday lab: 1 learner/);
    // Columns: the learner, the actions on them (watch, remove), then the lessons in lesson order (lesson 1 first).
    const headers = await table.getByRole('columnheader').allInnerTexts();
    expect(headers.slice(0, 3)).toEqual(['Learner', 'Actions', LESSON_TITLE]);
    const cell = (row: Locator) => row.getByRole('cell').nth(1);
    expect(await cell(adaRow).innerText()).toBe('0 of 6');

    await learner.goto(`${env.test.url}lessons/postgres-in-a-container/`);
    await waitUntil('the sandbox prompt', async () => /root@sandbox/.test(await terminalText(learner)), 120_000);
    await waitForQuietPrompt(learner);
    await passStep(learner, 1, 'docker run -d -p 5432 --name db -e POSTGRES_USER=docker -e POSTGRES_PASSWORD=docker -e POSTGRES_DB=hartl postgres:15');
    await waitUntil('1 of 6 in the instructor table', async () => (await cell(adaRow).innerText()) === '1 of 6', 20_000);
    await passStep(learner, 2, 'docker port db 5432');
    await waitUntil('2 of 6 in the instructor table', async () => (await cell(adaRow).innerText()) === '2 of 6', 20_000);
    expect(await adaRow.innerText()).toMatch(/Connect with psql and create a table/);
    expect(await instructor.evaluate(() => (window as unknown as { dockyardNotReloaded?: boolean }).dockyardNotReloaded)).toBe(true);
    expect(await audit(instructor)).toEqual([]);
    await instructor.screenshot({ path: path.join(artifacts, 'instructor-table.png'), fullPage: true });

    // Watch: the learner's terminal, live, in the instructor's page; the learner is told.
    await adaRow.getByRole('button', { name: 'Watch terminal' }).click();
    await waitUntil('the watched prompt', async () => /root@sandbox/.test(await watchedText(instructor)), 20_000);
    const notice = learner.getByText('Your instructor is watching your terminal');
    await waitUntil('the watching notice', () => notice.isVisible(), 20_000);
    await typeInTerminal(learner, 'echo watched-$((6*7))');
    await waitUntil('watched-42 in the watch view', async () => /\nwatched-42\n/.test(await watchedText(instructor)), 20_000);

    // Typing in the watch view reaches nothing.
    await instructor.locator('[data-watch-terminal] .xterm').click();
    await instructor.keyboard.type(`touch ${MARKER}`);
    await instructor.keyboard.press('Enter');
    await typeInTerminal(learner, 'echo still-$((2+3))');
    await waitUntil('the learner\'s next command', async () => /\nstill-5\n/.test(await terminalText(learner)), 20_000);
    await waitForQuietPrompt(learner);
    expect(await terminalText(learner)).not.toMatch(/touch \/root\/instructor/);
    // The learner's sandbox, found by the key their browser keeps (site/src/client/learner-key.ts).
    const session = env.test.engine.sessions.forLearner(hashLearnerKey(await learner.evaluate(() => localStorage.getItem('dockyard.learner') ?? '')));
    expect(session).toBeDefined();
    const marker = await env.test.engine.sessions.shellFor(session!).run(`test -e ${MARKER} && echo present || echo absent`, { timeoutMs: 10_000, signal: AbortSignal.timeout(15_000) });
    expect(marker.stdout.trim()).toBe('absent');
    expect(await audit(instructor)).toEqual([]);
    await instructor.screenshot({ path: path.join(artifacts, 'instructor-watch.png'), fullPage: true });
    await learner.screenshot({ path: path.join(artifacts, 'instructor-watched-learner.png') });

    // Stopping: the notice goes away.
    await instructor.getByRole('button', { name: 'Stop watching' }).click();
    await waitUntil('the notice gone', async () => !(await notice.isVisible()), 20_000);

    // Anyone with the code can join made-up learners: the instructor removes one, then renews the code.
    const code = await instructor.locator('[data-class-code]').innerText();
    const joinAs = (key: string, displayName: string, joinCode: string) =>
      fetch(new URL('/api/classes/join', env.test.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-dockyard-learner': key },
        body: JSON.stringify({ code: joinCode, displayName }),
      });
    expect((await joinAs('f'.repeat(43), 'Spam bot', code)).status).toBe(200);
    const botRow = table.getByRole('row').filter({ has: instructor.getByRole('rowheader', { name: 'Spam bot' }) });
    await waitUntil('the made-up learner in the table', async () => (await botRow.count()) === 1, 20_000);
    instructor.once('dialog', (dialog) => void dialog.accept());
    await botRow.getByRole('button', { name: 'Remove Spam bot from the class' }).click();
    await waitUntil('the made-up learner gone', async () => (await botRow.count()) === 0, 20_000);
    expect(await adaRow.count()).toBe(1);
    expect(await instructor.locator('[data-live-state]').innerText()).toBe('Spam bot was removed from the class.');

    instructor.once('dialog', (dialog) => void dialog.accept());
    await instructor.getByRole('button', { name: 'New join code' }).click();
    await waitUntil('a new code', async () => /^[A-Z0-9]{3}-[A-Z0-9]{3}$/.test(await instructor.locator('[data-class-code]').innerText()) && (await instructor.locator('[data-class-code]').innerText()) !== code);
    const renewed = await instructor.locator('[data-class-code]').innerText();
    expect(await instructor.locator('[data-join-link]').innerText()).toMatch(new RegExp(`code=${renewed}$`));
    expect((await joinAs('e'.repeat(43), 'Spam bot 2', code)).status).toBe(404);
    expect((await joinAs('e'.repeat(43), 'Latecomer', renewed)).status).toBe(200);
    await waitUntil('the latecomer in the table', async () => (await table.getByRole('rowheader', { name: 'Latecomer' }).count()) === 1, 20_000);
    expect(await audit(instructor)).toEqual([]);
    await instructor.screenshot({ path: path.join(artifacts, 'instructor-new-code.png'), fullPage: true });

    await learnerContext.close();
    await teacher.close();
  });
});
