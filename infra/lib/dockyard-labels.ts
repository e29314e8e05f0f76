/** Every container, volume, network and image infra/ creates carries these labels. */
export const MANAGED_LABEL = 'org.dockyard.managed';
export const ROLE_LABEL = 'org.dockyard.role';
/** On images: hash of what the image was built from (context files + FROM image ids). */
export const CONTEXT_HASH_LABEL = 'org.dockyard.context-hash';

export function dockyardLabels(role: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [MANAGED_LABEL]: 'true', [ROLE_LABEL]: role, ...extra };
}

/** `--label k=v` pairs for the docker CLI. */
export function labelArgs(labels: Record<string, string>): string[] {
  return Object.entries(labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
}
