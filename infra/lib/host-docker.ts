import Docker from 'dockerode';

/** Where the host's Docker Engine listens when nothing says otherwise (DOCKER_SOCKET's default in the config). */
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/**
 * The host's Docker Engine, where infra builds the catalog and runs the registry: `socketPath` is
 * the caller's config.DOCKER_SOCKET. `timeoutMs` bounds each request (for probes of an engine that
 * may not answer yet).
 */
export function hostDocker(socketPath: string = DEFAULT_DOCKER_SOCKET, options: { timeoutMs?: number } = {}): Docker {
  return new Docker({ socketPath, timeout: options.timeoutMs });
}

/** True for Docker's "no such image/container/volume" answer. */
export function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number } | undefined)?.statusCode === 404;
}

/** `name:tag` (or `registry:port/name:tag`) → repo and tag for the tag API. */
export function splitRef(ref: string): { repo: string; tag: string } {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) } : { repo: ref, tag: 'latest' };
}
