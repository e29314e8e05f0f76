/**
 * The labels Dockyard puts on what it makes in Docker (containers, networks, volumes, images):
 * one list for the engine, infra, the tests and the benchmark, so a sweep finds what a start made.
 */
export const labelKeys = {
  /** On everything Dockyard made and may remove. */
  managed: 'org.dockyard.managed',
  /** sandbox, seed, registry, … */
  role: 'org.dockyard.role',
  /** The engine instance (DOCKYARD_INSTANCE) a sandbox belongs to: adopted and swept per instance. */
  instance: 'org.dockyard.instance',
  session: 'org.dockyard.session',
  lesson: 'org.dockyard.lesson',
  /** sha256 of the learner's key: who may open this sandbox, also after an engine restart. */
  learnerHash: 'org.dockyard.learner-sha256',
  /** The network address that started it, so per-address limits still count it after an engine restart. */
  clientAddress: 'org.dockyard.client-address',
  createdAt: 'org.dockyard.created-at',
  expiresAt: 'org.dockyard.expires-at',
  isolation: 'org.dockyard.isolation',
  /**
   * "true" on a sandbox started ahead of any learner (the warm pool). It carries no learner label:
   * a claim record in the data directory says who took it, and without one it is never adopted.
   */
  pool: 'org.dockyard.pool',
  /** On catalog images: hash of what the image was built from (context files + FROM image ids). */
  contextHash: 'org.dockyard.context-hash',
  /** On catalog images: the catalog ref the image was built as. */
  image: 'org.dockyard.image',
} as const;

/** A Docker `label` filter value: "key=value". */
export const labelFilter = (key: keyof typeof labelKeys, value: string) => `${labelKeys[key]}=${value}`;
