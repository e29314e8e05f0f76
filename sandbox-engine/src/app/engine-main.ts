import { exitCodes } from './exit-codes.js';
import { runEngine } from './run-engine.js';

// The engine process its supervisor (engine-supervisor.ts) starts, and starts again after a crash.
runEngine().catch((error: Error) => {
  console.error(`Dockyard Lessons could not start: ${error.message}`);
  process.exit(exitCodes.failed);
});
