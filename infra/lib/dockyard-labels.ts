import { labelKeys } from '../../sandbox-engine/src/contracts/docker-labels.js';

/** Every container, volume, network and image infra/ creates carries these labels (keys: contracts/docker-labels.ts). */
export const MANAGED_LABEL = labelKeys.managed;
export const ROLE_LABEL = labelKeys.role;
export const CONTEXT_HASH_LABEL = labelKeys.contextHash;
export const IMAGE_LABEL = labelKeys.image;

/**
 * Labels of a catalog image. Not the managed/role labels: a container inherits its image's labels,
 * and containers run from lesson images (by tests, or by learners inside sandboxes) are not ours
 * to sweep. Part of the image hash, so changing them rebuilds.
 */
export function imageLabels(ref: string, hash: string): Record<string, string> {
  return { [CONTEXT_HASH_LABEL]: hash, [IMAGE_LABEL]: ref };
}
export const IMAGE_LABELS_VERSION = 'image-labels-2';

export function dockyardLabels(role: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [MANAGED_LABEL]: 'true', [ROLE_LABEL]: role, ...extra };
}
