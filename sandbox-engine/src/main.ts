import { runEngine } from './app/run-engine.js';

runEngine().catch((error: Error) => {
  console.error(`Dockyard Lessons could not start: ${error.message}`);
  process.exit(1);
});
