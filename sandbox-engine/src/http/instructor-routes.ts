import express, { type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../config/config-schema.js';
import { classIdSchema, createClassSchema, instructorLoginSchema, learnerIdSchema, type InstructorStatus } from '../contracts/instructor.js';
import type { Lesson } from '../contracts/lesson.js';
import { classResults, exportedAttempt, resultsCsv } from '../instructor/class-results.js';
import { classSummary } from '../instructor/class-table.js';
import { clientAddress } from '../limits/client-address.js';
import type { Logger } from '../log/logger.js';
import type { ClassInfo, ProgressStore } from '../progress/progress-store.js';
import { SessionError } from '../sessions/session-errors.js';
import type { InstructorAuth } from './instructor-auth.js';
import { bearerSecret, clearedCookie, instructorTokens, servedOverHttps, sessionCookie } from './instructor-cookie.js';
import { requireSiteOrigin } from './request-guards.js';
import { sendError } from './send-error.js';
import { sendJsonWithPages } from './send-json-with-pages.js';

/**
 * Attempts read per query of the JSON export: 100,000 attempts on SQLite here were one 5.1 s stall
 * of the engine read at once, 3.2 s in pages of 1,000 with the event loop held ≤ 0.25 s at a time.
 */
const ATTEMPTS_PER_PAGE = 500;

export interface InstructorRoutesDeps {
  config: Config;
  auth: InstructorAuth;
  progress: ProgressStore;
  lessons: () => Lesson[];
  log: Logger;
}

const NOT_CONFIGURED = 'There is no instructor area on this server: set INSTRUCTOR_PASSWORD (12 characters or more) in the engine\'s environment and restart it.';
const SIGN_IN = 'Sign in as the instructor first.';

/**
 * /api/instructor: status, sign-in and -out, classes, and a class's results (see
 * contracts/instructor.ts). Every route refuses other origins (a learner's app in the port
 * preview shares the host name, so the browser sends it this cookie too).
 */
export function instructorRoutes({ config, auth, progress, lessons, log }: InstructorRoutesDeps): express.Router {
  const router = express.Router();
  router.use(requireSiteOrigin(config, log));
  router.use((_req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    next();
  });
  const https = (req: Request) => servedOverHttps(req, config.TRUST_PROXY_HOPS);
  const address = (req: Request) => clientAddress(req, config.TRUST_PROXY_HOPS);

  /** Passes a browser signed in by cookie; `bearer`: also a script sending the password itself. */
  const requireInstructor = (options: { bearer: boolean }) => (req: Request, res: Response, next: NextFunction) => {
    if (!auth.configured) return sendError(res, new SessionError('not-configured', NOT_CONFIGURED));
    const token = auth.validToken(instructorTokens(req.headers.cookie));
    if (token) return next();
    const secret = options.bearer ? bearerSecret(req.headers.authorization) : undefined;
    if (secret !== undefined) {
      const verdict = auth.checkPassword(secret, address(req));
      if (verdict.ok) return next();
      if (verdict.reason === 'rate-limited') {
        return sendError(res, new SessionError('rate-limited', 'Too many wrong passwords from your network address. Wait a minute.', { retryAfterMs: verdict.retryAfterMs }));
      }
      log.warn('instructor.bearer.refused', { address: address(req), path: req.path });
      res.setHeader('www-authenticate', 'Bearer realm="dockyard-instructor"');
      return sendError(res, new SessionError('unauthorized', 'Wrong instructor password.'));
    }
    if (options.bearer) res.setHeader('www-authenticate', 'Bearer realm="dockyard-instructor"');
    sendError(res, new SessionError('unauthorized', SIGN_IN));
  };

  /** The class of the :id parameter, or a 404. */
  const findClass = async (req: Request): Promise<ClassInfo> => {
    const id = classIdSchema.safeParse(req.params.id);
    const info = id.success ? (await progress.classes()).find((candidate) => candidate.id === id.data) : undefined;
    if (!info) throw new SessionError('not-found', 'There is no such class.');
    return info;
  };

  /** Runs an async handler; failures become `{ error }` answers, unexpected ones are logged. */
  const handle = (handler: (req: Request, res: Response) => Promise<void> | void) => (req: Request, res: Response) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((error: unknown) => {
        if (!(error instanceof SessionError)) log.error('http.instructor.failed', { path: req.path, error });
        sendError(res, error);
      });
  };

  router.get('/status', (req, res) => {
    const signedIn = auth.validToken(instructorTokens(req.headers.cookie)) !== undefined;
    res.json({ data: { configured: auth.configured, signedIn } satisfies InstructorStatus });
  });

  router.post('/login', (req, res) => {
    const body = instructorLoginSchema.safeParse(req.body);
    if (!body.success) return sendError(res, new SessionError('bad-request', 'Expected {"password": "…"}.'));
    const verdict = auth.checkPassword(body.data.password, address(req));
    if (!verdict.ok) {
      if (verdict.reason === 'not-configured') return sendError(res, new SessionError('not-configured', NOT_CONFIGURED));
      if (verdict.reason === 'rate-limited') {
        return sendError(res, new SessionError('rate-limited', 'Too many wrong passwords from your network address. Wait a minute, then try again.', { retryAfterMs: verdict.retryAfterMs }));
      }
      log.warn('instructor.login.refused', { address: address(req) });
      return sendError(res, new SessionError('unauthorized', 'That is not the instructor password.'));
    }
    const { token, expiresAt } = auth.signIn();
    log.info('instructor.login', { address: address(req) });
    res.setHeader('set-cookie', sessionCookie(token, expiresAt, https(req)));
    res.status(204).end();
  });

  router.post('/logout', (req, res) => {
    for (const token of instructorTokens(req.headers.cookie)) auth.signOut(token);
    res.setHeader('set-cookie', clearedCookie(https(req)));
    res.status(204).end();
  });

  router.get('/classes', requireInstructor({ bearer: false }), handle(async (_req, res) => {
    res.json({ data: (await progress.classes()).map(classSummary) });
  }));

  router.post('/classes', requireInstructor({ bearer: false }), handle(async (req, res) => {
    const body = createClassSchema.safeParse(req.body);
    if (!body.success) throw new SessionError('bad-request', `Expected {"name": "…"}: ${body.error.issues[0]?.message ?? 'invalid'}.`);
    const info = await progress.createClass(body.data.name);
    log.info('instructor.class.created', { class: info.id });
    res.status(201).json({ data: classSummary(info) });
  }));

  /** A new join code: the old one (shared too widely, or used to join made-up learners) stops working. */
  router.post('/classes/:id/code', requireInstructor({ bearer: false }), handle(async (req, res) => {
    const info = await progress.renewClassCode((await findClass(req)).id);
    if (!info) throw new SessionError('not-found', 'There is no such class.');
    log.info('instructor.class.code-renewed', { class: info.id });
    res.json({ data: classSummary(info) });
  }));

  /** Takes a learner out of the class (a made-up one, or someone who left); their progress stays theirs. */
  router.delete('/classes/:id/members/:learner', requireInstructor({ bearer: false }), handle(async (req, res) => {
    const info = await findClass(req);
    const learner = learnerIdSchema.safeParse(req.params.learner);
    if (!learner.success || !(await progress.leaveClass(info.id, learner.data))) throw new SessionError('not-found', 'This learner is not in the class.');
    log.info('instructor.class.member-removed', { class: info.id });
    res.json({ data: { removed: true } });
  }));

  /** A file name for the download: the class name's letters and digits. */
  const fileName = (name: string, extension: string) => `${name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'class'}-results.${extension}`;
  const results = async (req: Request) => {
    const info = await findClass(req);
    return classResults(info, await progress.classRows(info.id), lessons());
  };

  /** Every check attempt too, read and sent a page at a time: a class's history grows with each check. */
  router.get('/classes/:id/results.json', requireInstructor({ bearer: true }), handle(async (req, res) => {
    const data = await results(req);
    const classId = data.class.id;
    async function* attemptPages() {
      let page = await progress.classAttemptsPage(classId, { limit: ATTEMPTS_PER_PAGE });
      yield page.attempts.map(exportedAttempt);
      while (page.next) {
        page = await progress.classAttemptsPage(classId, { after: page.next, limit: ATTEMPTS_PER_PAGE });
        yield page.attempts.map(exportedAttempt);
      }
    }
    res.setHeader('content-disposition', `attachment; filename="${fileName(data.class.name, 'json')}"`);
    await sendJsonWithPages(res, data, 'attempts', attemptPages(), (error) => log.error('http.instructor.results.cut-off', { class: classId, error }));
  }));

  router.get('/classes/:id/results.csv', requireInstructor({ bearer: true }), handle(async (req, res) => {
    const data = await results(req);
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="${fileName(data.class.name, 'csv')}"`);
    res.send(resultsCsv(data.results));
  }));

  return router;
}
