import type { SandboxDriver } from '../drivers/sandbox-driver.js';
import type { SandboxShell } from './sandbox-shell.js';

/** A SandboxShell that runs each command as a `docker exec` of its own (`bash -c`): ~150 ms of host CPU each. */
export function oneOffSandboxShell(driver: Pick<SandboxDriver, 'exec'>, containerId: string): SandboxShell {
  return {
    run: (command, options) => driver.exec(containerId, ['bash', '-c', command], options),
  };
}
