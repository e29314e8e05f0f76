import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from './chromium.js';
import { requireDocker } from './docker-state.js';
import { repoRoot, startTestEngine, type TestEngine } from './start-test-engine.js';

/** Where browser tests keep their screenshots (CI keeps the folder as an artifact). */
export const artifacts = path.join(repoRoot, 'test-results');

/**
 * For a browser test file: a real engine serving the built site and Debian's Chromium, started
 * before the tests and removed after them (`env`: settings of the engine). Read `.test` and `.browser` inside tests.
 */
export function useBrowserAndEngine(env: Record<string, string> = {}): { readonly test: TestEngine; readonly browser: Browser } {
  const context = {} as { test: TestEngine; browser: Browser };
  beforeAll(async () => {
    await requireDocker();
    await mkdir(artifacts, { recursive: true });
    context.test = await startTestEngine(env);
    context.browser = await launchChromium();
  });
  afterAll(async () => {
    await context.browser?.close();
    if (context.test) await context.test[Symbol.asyncDispose]();
  });
  return context;
}
