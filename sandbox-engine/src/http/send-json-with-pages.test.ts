import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { sendJsonWithPages } from './send-json-with-pages.js';

const servers: { close: () => void }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A real HTTP server whose one route sends `pages` after a head; returns its URL and what it saw. */
async function serve(pages: () => AsyncIterable<readonly unknown[]>) {
  const seen = { errors: [] as unknown[], done: [] as boolean[] };
  const app = express();
  app.get('/export', async (_req, res) => {
    seen.done.push(await sendJsonWithPages(res, { class: { name: 'Monday' }, results: [1] }, 'attempts', pages(), (error) => seen.errors.push(error)));
  });
  app.get('/health', (_req, res) => void res.json({ ok: true }));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('sendJsonWithPages', () => {
  it('sends the head and every page as one JSON object, in order', async () => {
    const { url, seen } = await serve(async function* () {
      yield [{ n: 1 }, { n: 2 }];
      yield [];
      yield [{ n: 3 }];
    });
    const response = await fetch(`${url}/export`);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({ class: { name: 'Monday' }, results: [1], attempts: [{ n: 1 }, { n: 2 }, { n: 3 }] });
    expect(seen.done).toEqual([true]);
  });

  it('sends an empty list when there is no page', async () => {
    const { url } = await serve(async function* () {});
    expect(await (await fetch(`${url}/export`)).json()).toEqual({ class: { name: 'Monday' }, results: [1], attempts: [] });
  });

  it('cuts the answer off (never a silently short list) when a page fails, and keeps serving', async () => {
    const { url, seen } = await serve(async function* () {
      yield [{ n: 1 }];
      throw new Error('the database went away');
    });
    const response = await fetch(`${url}/export`);
    await expect(response.text().then((text) => JSON.parse(text))).rejects.toThrow();
    await expect.poll(() => seen.errors.length).toBe(1);
    expect(String(seen.errors[0])).toMatch(/database went away/);
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ ok: true });
  });

  it('stops reading pages when the client goes away', async () => {
    let pagesRead = 0;
    const { url, seen } = await serve(async function* () {
      for (;;) {
        pagesRead++;
        yield [{ filler: 'x'.repeat(64 * 1024) }];
        await sleep(5);
      }
    });
    const controller = new AbortController();
    const response = await fetch(`${url}/export`, { signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await expect.poll(() => seen.done, { timeout: 10_000 }).toEqual([false]);
    const after = pagesRead;
    await sleep(200);
    expect(pagesRead).toBe(after);
  });
});
