import path from 'node:path';
import { loadConfig } from '../sandbox-engine/src/config/load-config.js';
import { ensureDockerEngine } from './host/ensure-docker-engine.js';
import { hostDocker } from './lib/host-docker.js';
import { ensureHostPackages, hostPackagesForPlatform, hostPackagesForTests } from './host/ensure-host-packages.js';
import { ensureCatalogImages } from './images/build-images.js';
import { ensureRegistryMirror, pushServedImages } from './registry/ensure-registry-mirror.js';
import { ensureSiteBuilt } from './site/build-site.js';
import { ensureSandboxIsolation } from './host/ensure-sandbox-isolation.js';

export const repoRoot = path.resolve(import.meta.dirname, '..');

/**
 * Makes this machine ready to serve lessons, doing only what is missing: host packages, Docker
 * Engine, the image catalog, the local registry mirror, the sandbox daemon and its firewall, the built site. (The XFS store and the
 * lesson seeds are made by the engine when it starts.)
 */
export async function preparePlatform(options: { forTests?: boolean; log?: (line: string) => void } = {}): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const config = loadConfig(process.env, repoRoot);
  const docker = hostDocker(config.DOCKER_SOCKET);
  const step = async (title: string, work: () => Promise<void>) => {
    const started = Date.now();
    log(`▸ ${title}`);
    await work();
    log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };
  await step('host packages', () => ensureHostPackages(log, [...hostPackagesForPlatform, ...(options.forTests ? hostPackagesForTests : [])]));
  await step('Docker Engine', () => ensureDockerEngine(log, { socketPath: config.DOCKER_SOCKET }));
  await step('images (built offline from Debian)', () => ensureCatalogImages(log, docker));
  await step('local registry mirror', async () => {
    await ensureRegistryMirror(log, docker, { port: config.REGISTRY_PORT });
    await pushServedImages(log, docker, { port: config.REGISTRY_PORT });
  });
  await step(`sandbox isolation (${config.SANDBOX_ISOLATION})`, () => ensureSandboxIsolation(log, config));
  await step('site', () => ensureSiteBuilt(log, repoRoot));
}
