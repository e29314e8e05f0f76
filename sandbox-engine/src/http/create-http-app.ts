import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../config/config-schema.js';
import type { Lesson } from '../contracts/lesson.js';
import type { SandboxDriver } from '../drivers/sandbox-driver.js';
import type { Logger } from '../log/logger.js';
import { SessionError } from '../sessions/session-errors.js';
import type { SessionManager } from '../sessions/session-manager.js';
import type { SessionAdmission } from '../sessions/session-admission.js';
import { sendError } from './send-error.js';
import { limitRequestRate, requireSiteOrigin } from './request-guards.js';
import { sessionRoutes } from './session-routes.js';
import { workspaceRoutes } from './workspace-routes.js';
import type { SandboxFiles } from '../workspace/sandbox-files.js';
import { WorkspaceError } from '../workspace/workspace-error.js';

export interface HttpAppDeps {
  config: Config;
  sessions: SessionManager;
  admission: SessionAdmission;
  driver: SandboxDriver;
  files: SandboxFiles;
  previewPort: () => number;
  lessons: () => Lesson[];
  log: Logger;
  /** /api/instructor (http/instructor-routes.ts), built in app/create-engine.ts. */
  instructor?: express.Router;
  /** The learner's progress API under /api (http/progress-routes.ts: /progress…, /classes…), built in app/create-engine.ts. */
  progress?: express.Router;
}

/** The HTTP side: session API, health, lesson list, and the built site. */
export function createHttpApp({ config, sessions, admission, driver, files, previewPort, lessons, log, instructor, progress }: HttpAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // No page of ours may be framed: a preview page (same site) framing a lesson would act with the
  // learner's key (clickjacking "End sandbox", starting sandboxes for every visitor).
  app.use((_req, res, next) => {
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('content-security-policy', "frame-ancestors 'none'");
    next();
  });
  app.use('/api', limitRequestRate(config));
  // Health and the lesson list are public reads; everything else acts for a learner.
  app.use('/api', (req, res, next) => {
    if (req.method === 'GET' && (req.path === '/health' || req.path === '/lessons')) return next();
    requireSiteOrigin(config, log)(req, res, next);
  });
  // Before the small JSON limit of the other routes: file saves carry up to MAX_EDITABLE_BYTES.
  app.use('/api/workspace', workspaceRoutes({ config, sessions, files, driver, previewPort }));
  app.use(express.json({ limit: '16kb' }));

  app.get('/api/health', async (_req, res) => {
    const docker = await driver.ping().then(
      () => true,
      () => false,
    );
    res.status(docker ? 200 : 503).json({
      data: {
        docker,
        sessions: sessions.list().length,
        maxSandboxes: config.MAX_SANDBOXES,
        waiting: admission.line.length,
        pid: process.pid,
        isolation: config.SANDBOX_ISOLATION,
        ...(config.SANDBOX_ISOLATION === 'trusted' ? { warning: 'trusted isolation: root in a sandbox can become root on this host' } : {}),
      },
    });
  });

  app.get('/api/lessons', (_req, res) => {
    res.json({ data: lessons().map(({ slug, title, summary, minutes, order }) => ({ slug, title, summary, minutes, order })) });
  });

  app.use('/api/sessions', sessionRoutes({ config, sessions, admission, log }));
  if (progress) app.use('/api', progress);
  if (instructor) app.use('/api/instructor', instructor);

  app.use('/api', (_req, res) => sendError(res, new SessionError('bad-request', 'Unknown API route.')));

  if (existsSync(config.SITE_DIR)) {
    app.use(express.static(config.SITE_DIR, { extensions: ['html'] }));
    app.use((_req, res) => {
      const notFound = path.join(config.SITE_DIR, '404.html');
      if (existsSync(notFound)) res.status(404).sendFile(notFound);
      else res.status(404).send('Not found');
    });
  } else {
    log.warn('site.missing', { dir: config.SITE_DIR, hint: 'run "npm run site:build"' });
  }

  app.use((error: Error & { type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    if (error.type === 'entity.too.large') return sendError(res, new WorkspaceError('too-large', `The request body is too large: ${error.message}`));
    if (error.type === 'entity.parse.failed') {
      return sendError(res, new SessionError('bad-request', `Bad request body: ${error.message}`));
    }
    log.error('http.error', { error });
    sendError(res, error);
  });
  return app;
}
