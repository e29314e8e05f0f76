/** An image reference split into its parts, with Docker's defaults filled in. */
export interface ImageRef {
  /** Registry host: docker.io unless the reference names another. */
  domain: string;
  /** Repository path: library/postgres for postgres. */
  path: string;
  /** latest when the reference has neither tag nor digest. */
  tag?: string;
  digest?: string;
}

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** Parses a reference as Docker does: postgres → docker.io/library/postgres:latest. */
export function parseImageRef(ref: string): ImageRef {
  const [nameAndTag = '', digest] = ref.trim().split('@', 2);
  const lastSlash = nameAndTag.lastIndexOf('/');
  const tagColon = nameAndTag.lastIndexOf(':');
  const hasTag = tagColon > lastSlash;
  const name = hasTag ? nameAndTag.slice(0, tagColon) : nameAndTag;
  const tag = hasTag ? nameAndTag.slice(tagColon + 1) : digest === undefined ? 'latest' : undefined;

  const firstSlash = name.indexOf('/');
  const first = firstSlash >= 0 ? name.slice(0, firstSlash) : '';
  const hasDomain = firstSlash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const domain = hasDomain ? first : 'docker.io';
  const rest = hasDomain ? name.slice(firstSlash + 1) : name;
  const hub = DOCKER_HUB_ALIASES.has(domain);
  const path = hub && !rest.includes('/') ? `library/${rest}` : rest;
  return { domain: hub ? 'docker.io' : domain, path, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/**
 * True when `actual` (as the learner typed it) names the image `expected` names:
 * postgres == postgres:latest, docker.io/library/postgres:15 == postgres:15. A digest in
 * `expected` must be the same digest; otherwise the tags must be equal.
 */
export function sameImageRef(actual: string, expected: string): boolean {
  const a = parseImageRef(actual);
  const e = parseImageRef(expected);
  if (a.domain !== e.domain || a.path !== e.path) return false;
  return e.digest !== undefined ? a.digest === e.digest : a.tag === e.tag;
}
