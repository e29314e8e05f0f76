import { randomBytes } from 'node:crypto';
import { runStepChecks } from '../sandbox-engine/src/checkers/run-step-checks.js';
import { createEngine } from '../sandbox-engine/src/app/create-engine.js';
import { loadConfig } from '../sandbox-engine/src/config/load-config.js';
import { createLogger } from '../sandbox-engine/src/log/logger.js';
import { testLessons } from '../sandbox-engine/src/lessons/test-lessons.js';

/** `npm run lessons:test [slug...]`: plays every lesson (or those named) in real sandboxes. */
async function main() {
  const slugs = process.argv.slice(2);
  // An instance of its own per run, so runs side by side never adopt (and discard) each other's
  // sandboxes; the "test-" prefix lets the test suite sweep what an interrupted run left.
  const instance = process.env.DOCKYARD_INSTANCE ?? `test-lessons-${randomBytes(3).toString('hex')}`;
  const config = loadConfig({ ...process.env, DOCKYARD_INSTANCE: instance, MAX_SANDBOXES: '2' });
  const engine = await createEngine(config, createLogger('warn'), { prepareSeeds: false });
  const unknown = slugs.filter((slug) => !engine.lessons.some((lesson) => lesson.slug === slug));
  if (unknown.length > 0) throw new Error(`no such lesson: ${unknown.join(', ')}`);
  const lessons = slugs.length > 0 ? engine.lessons.filter((lesson) => slugs.includes(lesson.slug)) : engine.lessons;
  try {
    const results = await testLessons(lessons, {
      sessions: engine.sessions,
      driver: engine.driver,
      runChecks: (step, shell) => runStepChecks(step, shell, { defaultTimeoutMs: config.CHECK_TIMEOUT_MS }),
      print: (line) => console.log(line),
    });
    const failed = results.filter((result) => !result.ok);
    console.log(`\n${results.length - failed.length} lessons passed, ${failed.length} failed`);
    process.exitCode = failed.length > 0 ? 1 : 0;
  } finally {
    await engine.sessions.destroyAll();
    await engine.close();
  }
}

main().catch((error: Error) => {
  console.error(`lessons:test: ${error.message}`);
  process.exit(1);
});
