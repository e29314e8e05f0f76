/** Names shared by the registry mirror modules. */
export const REGISTRY_CONTAINER = 'dockyard-registry';
export const REGISTRY_VOLUME = 'dockyard-registry-data';
export const REGISTRY_IMAGE = 'dockyard/registry:latest';
export const DEFAULT_REGISTRY_PORT = 5000;

/** `postgres:15` → repository `library/postgres`, tag `15` (Docker Hub's naming, which mirrors use). */
export function mirrorRepository(ref: string): { repository: string; tag: string } {
  const colon = ref.lastIndexOf(':');
  const name = ref.slice(0, colon);
  return { repository: name.includes('/') ? name : `library/${name}`, tag: ref.slice(colon + 1) };
}
