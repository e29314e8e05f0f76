import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { DEFAULT_CHECK_TIMEOUT_MS } from '../contracts/checker.js';

/** The local registry mirror's port, unless REGISTRY_PORT says otherwise (infra and engine). */
export const DEFAULT_REGISTRY_PORT = 5000;
import { sandboxDaemonLayout } from '../isolation/sandbox-daemon-layout.js';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
/** This host's CPU count, within the 64 the CPU settings accept (a default is checked too). */
const hostCpus = () => Math.min(64, Math.max(1, availableParallelism()));

/** Every setting of the engine, read from the environment (names as given here). */
export const configSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().min(1).default('0.0.0.0'),
    /** The port preview's own origin (0 picks a free port). */
    PREVIEW_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
    /** The host's Docker Engine: where the image catalog is built and the registry mirror runs. */
    DOCKER_SOCKET: z.string().min(1).default('/var/run/docker.sock'),
    /**
     * userns (default): sandboxes on the platform's own user-namespaced Docker daemon (root in a
     * sandbox is an unprivileged uid on the host), limits on host-owned cgroups, a seccomp profile,
     * everything the learner writes on the sandbox's own disk, a firewall. trusted: the old profile on
     * the host's Docker Engine, root in the sandbox can become root on the host: one trusted user only.
     */
    SANDBOX_ISOLATION: z.enum(['userns', 'trusted']).default('userns'),
    /** The platform's sandbox daemon (userns isolation), started by `npm start`. */
    SANDBOX_DOCKER_SOCKET: z.string().min(1).default(sandboxDaemonLayout.socket),
    /** Distinguishes engines sharing one Docker host (tests run their own): sandboxes are adopted per instance. */
    DOCKYARD_INSTANCE: z.string().regex(/^[a-z0-9-]{1,32}$/, 'lowercase letters, digits and hyphens').default('default'),
    DOCKYARD_DATA_DIR: z.string().min(1).default('/var/lib/dockyard'),
    /** Sparse file holding the reflink-capable XFS store; a block device path works too. */
    DOCKYARD_STORE_FILE: z.string().min(1).optional(),
    DOCKYARD_STORE_SIZE_GB: positiveInt(64),
    /**
     * Learners' progress in PostgreSQL: postgres://user:password@host:5432/database. Unset
     * (default): SQLite in PROGRESS_DB_FILE.
     */
    DATABASE_URL: z
      .string()
      .trim()
      .refine((value) => /^postgres(ql)?:\/\/[^/]/.test(value) && URL.canParse(value), 'must be a PostgreSQL URL like postgres://user:password@host:5432/database')
      .optional(),
    /** The SQLite file of learners' progress (without DATABASE_URL). Default: $DOCKYARD_DATA_DIR/progress.sqlite (progress-<instance>.sqlite for other instances). */
    PROGRESS_DB_FILE: z.string().min(1).optional(),
    LESSONS_DIR: z.string().min(1).default('lessons'),
    SITE_DIR: z.string().min(1).default('site/dist'),
    SANDBOX_IMAGE: z.string().min(1).default('dockyard/sandbox:latest'),
    /** Trusted isolation only. caps: every capability but SYS_RESOURCE, unconfined seccomp/apparmor; privileged: docker --privileged. */
    SANDBOX_SECURITY_PROFILE: z.enum(['caps', 'privileged']).default('caps'),
    SANDBOX_DISK_GB: positiveInt(8),
    SANDBOX_MEMORY_MB: positiveInt(2048),
    SANDBOX_CPUS: z.coerce.number().positive().max(64).default(1),
    /**
     * CPUs a sandbox may use while it starts, before anyone has its shell (its inner daemon's start
     * is CPU-bound); then it is put on SANDBOX_CPUS. Default: the CPU count. userns isolation only.
     */
    SANDBOX_START_CPUS: z.coerce
      .number()
      .positive()
      .max(64)
      .default(hostCpus),
    SANDBOX_PIDS: positiveInt(1024),
    /**
     * Neighbour entries a sandbox may hold that the kernel never reclaims (permanent, proxy or
     * flagged ones, in all its network namespaces): they cost host kernel memory that no cgroup
     * counts. A sandbox past this is ended (sessions/neighbour-watchdog.ts).
     */
    SANDBOX_NEIGHBOURS_MAX: positiveInt(4096),
    MAX_SANDBOXES: positiveInt(8),
    /**
     * Ready sandboxes kept per lesson, so a learner's sandbox is there at once: a number, or "auto"
     * (default: sized from MAX_SANDBOXES and recent demand). 0 turns the pool off. Pool sandboxes
     * count against MAX_SANDBOXES and are given up first when learners need the room.
     */
    WARM_POOL_SIZE: z.union([z.literal('auto'), z.coerce.number().int().min(0).max(100)]).default('auto'),
    /** A lesson nobody asked a sandbox for in this long keeps no ready sandboxes. */
    WARM_POOL_IDLE_SECONDS: positiveInt(10 * 60),
    /** Sandboxes starting at once (learners first, then the pool); more wait their turn. Default: the CPU count. */
    MAX_CONCURRENT_STARTS: z.coerce
      .number()
      .int()
      .positive()
      .max(64)
      .default(hostCpus),
    /**
     * How long POST /api/sessions waits for a sandbox start before answering 202 with the
     * learner's place among the starts (the start goes on; the page asks again and gets it). 0
     * answers at once.
     */
    SESSION_START_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(3000),
    /**
     * Per network address (a classroom behind one NAT is one address: 30 learners must fit). The
     * one-sandbox-per-learner rule does the fairness; these only stop floods.
     */
    MAX_SANDBOXES_PER_ADDRESS: positiveInt(40),
    /** Sandbox starts per address: a burst this big, then SESSION_STARTS_PER_MINUTE. */
    SESSION_START_BURST: positiveInt(40),
    SESSION_STARTS_PER_MINUTE: positiveInt(20),
    /** API requests per address and second (bursts of 5 s worth). */
    API_REQUESTS_PER_SECOND: positiveInt(100),
    /** Open sockets (terminal connections) per address. */
    MAX_SOCKETS_PER_ADDRESS: positiveInt(200),
    /**
     * Behind a reverse proxy: how many proxies append to X-Forwarded-For (the client address is
     * that many entries from the right). 0 (default): the TCP peer is the client.
     */
    TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
    /**
     * Origins whose pages may use the API and the terminal socket, comma-separated (e.g.
     * "https://learn.example.org"). Empty (default): only the origin whose host the request names.
     */
    ALLOWED_ORIGINS: z
      .string()
      .default('')
      .transform((value) => value.split(',').map((origin) => origin.trim().replace(/\/$/, '')).filter(Boolean))
      .pipe(z.array(z.string().url('each of ALLOWED_ORIGINS must be an origin like https://learn.example.org'))),
    /**
     * Where pages reach the port previews, on a registrable domain of its own in production:
     * "https://preview.example-usercontent.org" (one origin, the sandbox chosen by the path), or
     * "https://*.preview.example-usercontent.org" (an origin per sandbox and port, e.g.
     * https://3f…9a-32768.preview.example-usercontent.org/; wildcard DNS and certificate). Empty
     * (default): the site's host name on PREVIEW_PORT.
     */
    PREVIEW_ORIGIN: z
      .string()
      .default('')
      .transform((value) => value.trim().replace(/\/$/, ''))
      .refine((value) => value === '' || /^https?:\/\/(\*\.)?[^/*]+$/.test(value), 'must be an origin like https://preview.example.org or https://*.preview.example.org'),
    IDLE_TIMEOUT_SECONDS: positiveInt(30 * 60),
    MAX_LIFETIME_SECONDS: positiveInt(2 * 60 * 60),
    WARN_BEFORE_SECONDS: positiveInt(5 * 60),
    SANDBOX_READY_TIMEOUT_SECONDS: positiveInt(60),
    CHECK_TIMEOUT_MS: positiveInt(DEFAULT_CHECK_TIMEOUT_MS),
    REGISTRY_PORT: z.coerce.number().int().min(1).max(65535).default(DEFAULT_REGISTRY_PORT),
    /** Output kept per terminal for reconnects (characters). */
    SCROLLBACK_CHARS: positiveInt(256 * 1024),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    /**
     * Turns on the instructor pages (/instructor: classes, live progress, watching a learner's
     * terminal, exports) behind this one password. Unset (default): there is no instructor area.
     */
    INSTRUCTOR_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  })
  .superRefine((config, ctx) => {
    if (config.WARN_BEFORE_SECONDS >= config.IDLE_TIMEOUT_SECONDS) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['WARN_BEFORE_SECONDS'],
        message: 'must be shorter than IDLE_TIMEOUT_SECONDS',
      });
    }
  });

export type Config = z.infer<typeof configSchema>;

/** Settings whose values are never printed, not even in a start-up error about them. */
export const secretSettings: ReadonlySet<string> = new Set(['INSTRUCTOR_PASSWORD', 'DATABASE_URL']);
