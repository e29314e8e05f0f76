import path from 'node:path';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Docker from 'dockerode';
import { Server } from 'socket.io';
import { runStepChecks } from '../checkers/run-step-checks.js';
import type { Config } from '../config/config-schema.js';
import type { Lesson } from '../contracts/lesson.js';
import { readHostUserNamespaceLimits, sandboxUserNamespaceLimits } from '../isolation/user-namespace-limits.js';
import { DockerSandboxDriver } from '../drivers/docker-sandbox-driver.js';
import { CgroupV1Delegation } from '../isolation/cgroup-v1-delegation.js';
import { mirrorAddress, remappedRoot, sandboxResolvers } from '../isolation/host-network-facts.js';
import { createHttpApp } from '../http/create-http-app.js';
import { closeUnknownUpgrades } from '../http/close-unknown-upgrades.js';
import { createPreviewServer } from '../http/preview-server.js';
import { progressRoutes } from '../http/progress-routes.js';
import { InstructorAuth } from '../http/instructor-auth.js';
import { instructorRoutes } from '../http/instructor-routes.js';
import { openProgressStore } from '../progress/open-progress-store.js';
import type { ObservableProgressStore } from '../progress/progress-store.js';
import { SessionProgress } from '../progress/session-progress.js';
import { SandboxFiles } from '../workspace/sandbox-files.js';
import { loadLessons } from '../lessons/load-lessons.js';
import type { Logger } from '../log/logger.js';
import { SessionManager } from '../sessions/session-manager.js';
import { SessionJournal } from '../sessions/session-journal.js';
import { SessionAdmission } from '../sessions/session-admission.js';
import { PassedStepsReplay } from '../sessions/replay-passed-steps.js';
import { originAllowed } from '../http/origin-policy.js';
import { SeedBuilder } from '../store/seed-builder.js';
import { XfsStore } from '../store/xfs-store.js';
import { attachSocketGateway, type GatewayServer } from '../terminal/socket-gateway.js';
import { attachInstructorGateway } from '../terminal/instructor-gateway.js';

export interface Engine {
  readonly config: Config;
  readonly sessions: SessionManager;
  readonly driver: DockerSandboxDriver;
  readonly seeds: SeedBuilder;
  readonly lessons: Lesson[];
  /** Learners' progress, classes and check attempts (SQLite, or PostgreSQL through DATABASE_URL). */
  readonly progress: ObservableProgressStore;
  readonly httpServer: HttpServer;
  /** The port preview's own origin. */
  readonly previewServer: HttpServer;
  /** Listens on config.HOST:config.PORT (0 picks a free port); resolves with the URL. */
  listen(): Promise<string>;
  /** Stops serving; live sandboxes stay up for the next engine to adopt. */
  close(): Promise<void>;
}

/** Listens; afterwards server errors (e.g. EMFILE on accept) are logged, never thrown into the process. */
function listen(server: HttpServer, port: number, host: string, log: Logger): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.on('error', (error) => log.error('http.server.error', { error }));
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** The one wiring point: builds every component and hands them to each other. */
export async function createEngine(config: Config, log: Logger, options: { prepareSeeds?: boolean; warmPool?: boolean } = {}): Promise<Engine> {
  // The host's engine holds the image catalog and the mirror; sandboxes run on the platform's own
  // user-namespaced daemon (or, trusted, on the host's engine too).
  const catalogDocker = new Docker({ socketPath: config.DOCKER_SOCKET });
  await catalogDocker.ping().catch((error: Error) => {
    throw new Error(`The Docker Engine at ${config.DOCKER_SOCKET} does not answer (${error.message}). Start it, or run "npm start", which installs and starts it.`);
  });
  const userns = config.SANDBOX_ISOLATION === 'userns';
  const sandboxDocker = userns ? new Docker({ socketPath: config.SANDBOX_DOCKER_SOCKET }) : catalogDocker;
  await sandboxDocker.ping().catch((error: Error) => {
    throw new Error(`The sandbox Docker daemon at ${config.SANDBOX_DOCKER_SOCKET} does not answer (${error.message}). Run "npm start", which starts it.`);
  });
  const owner = userns ? await remappedRoot(sandboxDocker) : { uid: 0, gid: 0 };
  const delegation = userns && CgroupV1Delegation.available() ? new CgroupV1Delegation() : undefined;
  // Each sandbox's share of the host's namespace and watch counts, which its root would otherwise share with the host's.
  const userNamespaceLimits = userns ? sandboxUserNamespaceLimits(readHostUserNamespaceLimits(), config.MAX_SANDBOXES) : undefined;
  if (userNamespaceLimits) log.info('isolation.namespace-limits', { perSandbox: userNamespaceLimits });
  const driver = new DockerSandboxDriver({ docker: sandboxDocker, config, owner, delegation, userNamespaceLimits });
  const disk = { owner, mirrorAddress: await mirrorAddress(catalogDocker), resolvers: await sandboxResolvers() };
  if (config.SANDBOX_ISOLATION === 'trusted') {
    log.warn('isolation.trusted', {
      message: 'SANDBOX_ISOLATION=trusted: root in a sandbox can become root on this host. Use it only for one trusted user.',
    });
  }
  const store = new XfsStore({ storeFile: config.DOCKYARD_STORE_FILE!, sizeGb: config.DOCKYARD_STORE_SIZE_GB, dataDir: config.DOCKYARD_DATA_DIR });
  await store.ensureMounted();
  const seeds = new SeedBuilder({ catalogDocker, driver, store, config, disk, log });

  const lessons = await loadLessons(config.LESSONS_DIR);
  const bySlug = new Map(lessons.map((lesson) => [lesson.slug, lesson]));
  const findLesson = (slug: string) => bySlug.get(slug);
  const stepsOf = (slug: string) => findLesson(slug)?.steps.map((step) => step.id) ?? [];
  const progress = await openProgressStore({ databaseUrl: config.DATABASE_URL, file: config.PROGRESS_DB_FILE!, stepsOf, log });
  const sessionProgress = new SessionProgress({ progress, stepsOf, log });

  // Served engines make every lesson's seed up front, so no learner waits for one; tools and tests
  // let the first sandbox of a lesson make it.
  if (options.prepareSeeds ?? true) {
    for (const lesson of lessons) {
      const started = Date.now();
      await seeds.seedFor(lesson.images);
      log.info('seed.ready', { lesson: lesson.slug, images: lesson.images, ms: Date.now() - started });
    }
    await seeds.pruneExcept(lessons.map((lesson) => lesson.images));
  }

  // Host-only (never mounted in a sandbox): what a session holds in memory, for the next engine.
  const journal = new SessionJournal({
    dir: path.join(config.DOCKYARD_DATA_DIR, 'sessions'),
    instance: config.DOCKYARD_INSTANCE,
    scrollbackChars: config.SCROLLBACK_CHARS,
    log,
  });
  const sessions = new SessionManager({ config, driver, store, seeds, disk, findLesson, log, journal });
  const adopted = await sessions.adopt();
  if (adopted > 0) log.info('sessions.adopted', { count: adopted });
  for (const session of sessions.list()) await sessionProgress.restore(session);
  sessions.startReaper();
  // Served engines keep ready sandboxes (WARM_POOL_SIZE); tools and tests only when they ask.
  if (options.warmPool ?? options.prepareSeeds ?? true) sessions.startPool(lessons);
  journal.start(() => sessions.list());

  const previewServer = createPreviewServer({ sessions, driver, log });
  const previewPort = () => (previewServer.address() as AddressInfo | null)?.port ?? config.PREVIEW_PORT;
  const files = new SandboxFiles(driver);
  const admission = new SessionAdmission({ config, sessions, findLesson, log, progress: sessionProgress });
  const progressApi = progressRoutes({ config, progress, lessons: () => lessons, log });
  // The instructor area (INSTRUCTOR_PASSWORD): sign-in, classes, exports, and its socket namespace below.
  const instructorAuth = new InstructorAuth({ password: config.INSTRUCTOR_PASSWORD });
  const instructor = instructorRoutes({ config, auth: instructorAuth, progress, lessons: () => lessons, log });
  const app = createHttpApp({ config, sessions, admission, driver, files, previewPort, lessons: () => lessons, log, progress: progressApi, instructor });
  const httpServer = createServer(app);
  closeUnknownUpgrades(httpServer);
  const io: GatewayServer = new Server(httpServer, {
    // Bigger than any valid message, so an oversized one reaches our validation and gets an error
    // event instead of the transport closing the connection.
    maxHttpBufferSize: 1024 * 1024,
    cors: { origin: false },
    // Only the site's own pages may open a learner's terminal (never a page on the preview origin).
    allowRequest: (req, callback) => {
      const verdict = originAllowed(req.headers, config.ALLOWED_ORIGINS);
      if (!verdict.ok) log.warn('socket.origin.refused', { origin: req.headers.origin, reason: verdict.reason });
      callback(verdict.ok ? null : `Refused: ${verdict.reason}`, verdict.ok);
    },
    // Upgrades for other paths are not socket.io's to close.
    destroyUpgrade: false,
  });
  attachSocketGateway(io, {
    sessions,
    findLesson,
    runChecks: (step, shell) => runStepChecks(step, shell, { defaultTimeoutMs: config.CHECK_TIMEOUT_MS }),
    log,
    trustProxyHops: config.TRUST_PROXY_HOPS,
    maxSocketsPerAddress: config.MAX_SOCKETS_PER_ADDRESS,
    progress,
    replay: new PassedStepsReplay({
      findLesson,
      recordedPassedSteps: (learner, lesson) => progress.passedSteps(learner, lesson),
      recordEvent: (event) => progress.recordEvent(event),
      runChecks: (step, shell) => runStepChecks(step, shell, { defaultTimeoutMs: config.CHECK_TIMEOUT_MS }),
      sessions,
      log,
    }),
  });
  const instructorGateway = attachInstructorGateway(io, { config, auth: instructorAuth, progress, sessions, lessons: () => lessons, log });

  return {
    config,
    sessions,
    driver,
    seeds,
    lessons,
    progress,
    httpServer,
    previewServer,
    listen: async () => {
      await listen(previewServer, config.PREVIEW_PORT, config.HOST, log);
      const port = await listen(httpServer, config.PORT, config.HOST, log);
      const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? 'localhost' : config.HOST;
      return `http://${host}:${port}/`;
    },
    close: async () => {
      sessions.close();
      await journal.close();
      instructorGateway.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      httpServer.closeAllConnections();
      previewServer.close();
      previewServer.closeAllConnections();
      await progress.close();
    },
  };
}
