/**
 * Runs a command-line tool's work to its end. The process is held open until the work settles: a
 * wait that holds no handle of its own (a fetch stuck on a port Docker has just published, whose
 * abort timer is unref'd) would otherwise let Node exit with status 0 half-way, silently. Should
 * the work still be pending when nothing else is left, that is reported as a failure, never as success.
 */
export function runCli(failure: string, work: () => Promise<void>): void {
  const hold = setInterval(() => undefined, 60_000);
  let settled = false;
  process.once('beforeExit', () => {
    if (settled) return;
    console.error(`\n${failure}: it stopped before finishing (a wait was left with nothing to wake it)`);
    process.exit(1);
  });
  work().then(
    () => {
      settled = true;
      clearInterval(hold);
    },
    (error: Error) => {
      settled = true;
      console.error(`\n${failure}: ${error.message}`);
      process.exit(1);
    },
  );
}
