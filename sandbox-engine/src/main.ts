import { runSupervisedEngine } from './app/engine-supervisor.js';

// The engine without preparing the machine (`npm start` prepares it first): a supervisor process
// that runs the engine (app/engine-main.ts) and starts it again after a crash.
runSupervisedEngine().catch((error: Error) => {
  console.error(`Dockyard Lessons could not start: ${error.message}`);
  process.exit(1);
});
