import type { Config } from '../config/config-schema.js';
import type { SandboxDriver } from '../drivers/sandbox-driver.js';
import { instanceLabels } from './sandbox-provisioner.js';

/** The container ids of this engine instance's sandboxes that run now: the reaper and the warm pool find dead sandboxes with it. */
export async function runningSandboxIds(driver: Pick<SandboxDriver, 'list'>, config: Config): Promise<Set<string>> {
  const listed = await driver.list(instanceLabels(config));
  return new Set(listed.filter((sandbox) => sandbox.running).map((sandbox) => sandbox.containerId));
}
