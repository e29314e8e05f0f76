import { runEngine } from '../sandbox-engine/src/app/run-engine.js';
import { preparePlatform, repoRoot } from './prepare-platform.js';

/** `npm start`: makes the machine ready (first run: installs and builds; later runs: seconds), then serves. */
async function main() {
  process.chdir(repoRoot);
  await preparePlatform();
  console.log('▸ engine (XFS store, lesson seeds, sessions)');
  await runEngine();
}

main().catch((error: Error) => {
  console.error(`\nDockyard Lessons could not start: ${error.message}`);
  process.exit(1);
});
