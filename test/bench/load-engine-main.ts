import { z } from 'zod';
import { startTestEngine } from '../support/start-test-engine.js';
import { ENGINE_READY_MARKER } from './load-engine.js';

/**
 * The load's own engine, in a process of its own (its memory and CPU are then its own, and the
 * simulated learners do not share its event loop). argv[2]: the engine's settings as JSON; argv[3]:
 * the lesson whose seed is made before the first learner comes. Prints one line
 * `DOCKYARD_LOAD_ENGINE {"url":…,"instance":…}` once it serves; destroys its sandboxes and exits on
 * SIGTERM, SIGINT or when its stdin closes (the load ended or died).
 */
async function main() {
  const settings = z.record(z.string()).parse(JSON.parse(process.argv[2] ?? '{}'));
  const lessonSlug = z.string().parse(process.argv[3]);
  const test = await startTestEngine(settings);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    test[Symbol.asyncDispose]().then(
      () => process.exit(0),
      (error: Error) => {
        console.error(`load engine: cleanup failed: ${error.stack ?? error.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();

  const lesson = test.engine.lessons.find((candidate) => candidate.slug === lessonSlug);
  if (!lesson) throw new Error(`no lesson ${lessonSlug}`);
  // As a served engine does: the lesson's seed exists before the first learner asks.
  await test.engine.seeds.seedFor(lesson.images);
  process.stdout.write(`${ENGINE_READY_MARKER}${JSON.stringify({ url: test.url, instance: test.instance })}\n`);
}

main().catch((error: Error) => {
  console.error(`load engine failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
