import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../config/config-schema.js';
import type { Lesson } from '../contracts/lesson.js';
import { createSessionRequestSchema } from '../contracts/session.js';
import type { SandboxDriver } from '../drivers/sandbox-driver.js';
import type { Logger } from '../log/logger.js';
import { SessionError } from '../sessions/session-errors.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { formatSessionToken, sessionCookieName } from '../sessions/session-secret.js';
import { sendError } from './send-error.js';
import { requireSession, sessionFromCookies } from './session-auth.js';
import { workspaceRoutes } from './workspace-routes.js';
import type { SandboxFiles } from '../workspace/sandbox-files.js';
import { WorkspaceError } from '../workspace/workspace-error.js';

export interface HttpAppDeps {
  config: Config;
  sessions: SessionManager;
  driver: SandboxDriver;
  files: SandboxFiles;
  previewPort: () => number;
  lessons: () => Lesson[];
  log: Logger;
}

/** The HTTP side: session API, health, lesson list, and the built site. */
export function createHttpApp({ config, sessions, driver, files, previewPort, lessons, log }: HttpAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Before the small JSON limit of the other routes: file saves carry up to MAX_EDITABLE_BYTES.
  app.use('/api/workspace', workspaceRoutes({ sessions, files, driver, previewPort }));
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
        isolation: config.SANDBOX_ISOLATION,
        ...(config.SANDBOX_ISOLATION === 'trusted' ? { warning: 'trusted isolation: root in a sandbox can become root on this host' } : {}),
      },
    });
  });

  app.get('/api/lessons', (_req, res) => {
    res.json({ data: lessons().map(({ slug, title, summary, minutes, order }) => ({ slug, title, summary, minutes, order })) });
  });

  app.post('/api/sessions', async (req, res) => {
    const parsed = createSessionRequestSchema.safeParse(req.body);
    if (!parsed.success) return sendError(res, new SessionError('bad-request', `Expected {"lesson": "<slug>"}: ${parsed.error.issues[0]?.message}`));
    const { lesson } = parsed.data;
    const existing = sessionFromCookies(sessions, lesson, req.headers.cookie);
    if (existing) {
      sessions.touch(existing);
      return res.json({ data: existing.info(sessions.settings, true) });
    }
    try {
      const { session, secret } = await sessions.create(lesson);
      res.cookie(sessionCookieName(lesson), formatSessionToken(session.id, secret), {
        httpOnly: true,
        sameSite: 'strict',
        path: '/',
        maxAge: config.MAX_LIFETIME_SECONDS * 1000,
      });
      res.status(201).json({ data: session.info(sessions.settings, false) });
    } catch (error) {
      if (!(error instanceof SessionError)) log.error('http.session.create', { error });
      sendError(res, error);
    }
  });

  app.delete('/api/sessions/:lesson', async (req, res) => {
    const lesson = req.params.lesson ?? '';
    let session;
    try {
      session = requireSession(sessions, req, lesson);
    } catch (error) {
      return sendError(res, error);
    }
    await sessions.destroy(session, 'ended');
    res.clearCookie(sessionCookieName(lesson), { path: '/' });
    res.json({ data: { ended: true } });
  });

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
