/** Names shared by the registry mirror modules. */
/** Read-only, on the bridge gateway: what sandboxes pull from. */
export const REGISTRY_CONTAINER = 'dockyard-registry';
/** Read-write, on 127.0.0.1 only: where the host pushes. */
export const REGISTRY_PUSH_CONTAINER = 'dockyard-registry-push';
export const REGISTRY_VOLUME = 'dockyard-registry-data';
export const REGISTRY_IMAGE = 'dockyard/registry:latest';
export { DEFAULT_REGISTRY_PORT } from '../../sandbox-engine/src/config/config-schema.js';

/** `postgres:15` → repository `library/postgres`, tag `15` (Docker Hub's naming, which mirrors use). */
export function mirrorRepository(ref: string): { repository: string; tag: string } {
  const colon = ref.lastIndexOf(':');
  const name = ref.slice(0, colon);
  return { repository: name.includes('/') ? name : `library/${name}`, tag: ref.slice(colon + 1) };
}
