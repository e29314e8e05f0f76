import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts } from '../support/browser-and-engine.js';
import { launchChromium, terminalText, waitUntil } from '../support/chromium.js';
import { instanceResources, requireDocker } from '../support/docker-state.js';
import { startTestEngine, type TestEngine } from '../support/start-test-engine.js';

const first = 'postgres-in-a-container';
const second = 'container-deep-dive';

describe('one sandbox on the server: End sandbox, the waiting room, moving between lessons', () => {
  let test: TestEngine;
  let browser: Browser;

  beforeAll(async () => {
    await requireDocker();
    test = await startTestEngine({ MAX_SANDBOXES: '1' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await test?.[Symbol.asyncDispose]();
  });

  it('queues the second learner with their place, starts their sandbox by itself when the first ends theirs', async () => {
    const site = test.url.replace(/\/$/, '');
    const waiting = async () => ((await (await fetch(`${site}/api/health`)).json()) as { data: { waiting: number } }).data.waiting;
    const alice = await browser.newPage({ viewport: { width: 1300, height: 850 } });
    await alice.goto(`${site}/lessons/${first}/`);
    await waitUntil("Alice's prompt", async () => /root@sandbox/.test(await terminalText(alice)), 120_000);

    const bob = await browser.newPage({ viewport: { width: 1300, height: 850 } });
    await bob.goto(`${site}/lessons/${first}/`);
    const overlay = bob.locator('[data-overlay-message]');
    await waitUntil("Bob's place in the queue", async () => /number 1 in the queue/.test(await overlay.innerText()));
    expect(await overlay.innerText()).toMatch(/waiting/);
    // The lesson stays readable while Bob waits.
    await expect(bob.getByRole('heading', { level: 1 }).isVisible()).resolves.toBe(true);
    await bob.screenshot({ path: path.join(artifacts, 'waiting-room.png') });

    // Alice gives her sandbox back; Bob's starts without a click.
    await alice.getByRole('button', { name: 'End sandbox' }).click();
    await waitUntil("Alice's ended notice", async () => /You ended your sandbox/.test(await alice.locator('[data-overlay-message]').innerText()));
    await waitUntil("Bob's prompt", async () => /root@sandbox/.test(await terminalText(bob)), 120_000);
    expect(await bob.locator('[data-terminal-overlay]').isHidden()).toBe(true);

    // Alice asks again: now she waits; closing the page takes her out of the line.
    await alice.getByRole('button', { name: 'Start a new sandbox' }).click();
    await waitUntil("Alice's place", async () => /number 1 in the queue/.test(await alice.locator('[data-overlay-message]').innerText()));
    expect(await waiting()).toBe(1);
    await alice.close({ runBeforeUnload: true });
    await waitUntil('the line to empty', async () => (await waiting()) === 0, 15_000);

    // Bob opens another lesson in the same browser: asked before his sandbox moves, then moved.
    await bob.goto(`${site}/lessons/${second}/`);
    const choice = bob.locator('[data-overlay-message]');
    await waitUntil('the move question', async () => /already have a sandbox for/.test(await choice.innerText()));
    await bob.screenshot({ path: path.join(artifacts, 'move-sandbox-question.png') });
    await bob.getByRole('button', { name: 'Move my sandbox here' }).click();
    await waitUntil("Bob's prompt in the second lesson", async () => /root@sandbox/.test(await terminalText(bob)), 120_000);
    await waitUntil('the moved notice', async () => /was ended: a learner holds one sandbox at a time/.test(await bob.locator('[data-toasts]').innerText()));
    expect(test.engine.sessions.list().map((session) => session.lesson)).toEqual([second]);

    await bob.getByRole('button', { name: 'End sandbox' }).click();
    // Ending removes the container first, then its network, cgroups, disk clone and mount.
    await waitUntil('nothing left of the sandbox', async () => Object.values(await instanceResources(test.instance)).every((count) => count === 0), 30_000);
    await bob.close();
  });
});
