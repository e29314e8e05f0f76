import { runSupervisedEngine } from '../sandbox-engine/src/app/engine-supervisor.js';
import { runCli } from './lib/run-cli.js';
import { preparePlatform, repoRoot } from './prepare-platform.js';

/**
 * `npm start`: makes the machine ready (first run: installs and builds; later runs: seconds), then
 * serves: the engine runs as a child of this process, which starts it again if it crashes.
 */
async function main() {
  process.chdir(repoRoot);
  await preparePlatform();
  console.log('▸ engine (XFS store, lesson seeds, sessions)');
  await runSupervisedEngine();
}

runCli('Dockyard Lessons could not start', main);
