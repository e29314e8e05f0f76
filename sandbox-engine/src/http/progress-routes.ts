import express, { type Request } from 'express';
import type { ZodType, ZodTypeDef } from 'zod';
import type { Config } from '../config/config-schema.js';
import type { Lesson } from '../contracts/lesson.js';
import { classCodeSchema, joinClassSchema, progressEventSchema, setDisplayNameSchema } from '../contracts/progress.js';
import { clientAddress } from '../limits/client-address.js';
import { KeyedTokenBuckets } from '../limits/token-bucket.js';
import type { Logger } from '../log/logger.js';
import { profileResponse, progressResponse } from '../progress/progress-response.js';
import type { ProgressStore } from '../progress/progress-store.js';
import { SessionError } from '../sessions/session-errors.js';
import { requireLearner } from './learner-auth.js';
import { sendError } from './send-error.js';

export interface ProgressRoutesDeps {
  config: Config;
  progress: ProgressStore;
  lessons: () => Lesson[];
  log: Logger;
  now?: () => number;
}

/** Writes per address (names, hint/solution events, joins): a classroom behind one NAT fits, a flood does not fill the disk. */
const WRITES = { burst: 60, perSecond: 2 };
/** Class-code lookups per address: a class of 30 joins at once; guessing codes (~600 million) stays hopeless. */
const LOOKUPS = { burst: 60, perSecond: 1 };

function parseBody<T>(schema: ZodType<T, ZodTypeDef, unknown>, body: unknown, expected: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new SessionError('bad-request', `Expected ${expected}: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid body'}`);
}

/**
 * The learner's progress API (contracts/progress.ts), for the learner whose key the request
 * carries; mounted under /api behind the site-origin check and the API's rate limit.
 *   GET  /progress              → { data: ProgressResponse }
 *   PUT  /progress/name         { displayName } → { data: LearnerProfileResponse }
 *   POST /progress/events       { lesson, step, kind } → 204
 *   POST /classes/join          { code, displayName } → { data: { class: { name, code } } }
 *   GET  /classes/:code         → { data: { name, code } }, 404 when no class has it
 */
export function progressRoutes({ config, progress, lessons, log, now }: ProgressRoutesDeps): express.Router {
  const router = express.Router();
  const writes = new KeyedTokenBuckets(WRITES.burst, WRITES.perSecond, now);
  const lookups = new KeyedTokenBuckets(LOOKUPS.burst, LOOKUPS.perSecond, now);
  const spend = (buckets: KeyedTokenBuckets, req: Request, what: string) => {
    const address = clientAddress(req, config.TRUST_PROXY_HOPS);
    if (buckets.take(address)) return;
    throw new SessionError('rate-limited', `Too many ${what} from your network address. Try again in a moment.`, { retryAfterMs: buckets.waitMs(address) });
  };
  const handle =
    (name: string, handler: (req: Request, res: express.Response) => Promise<void>) =>
    async (req: Request, res: express.Response) => {
      try {
        await handler(req, res);
      } catch (error) {
        if (!(error instanceof SessionError)) log.error('http.progress.failed', { route: name, error });
        sendError(res, error);
      }
    };

  router.get(
    '/progress',
    handle('progress', async (req, res) => {
      const learner = requireLearner(req);
      const [profile, lessonsProgress] = await Promise.all([progress.profile(learner), progress.progress(learner)]);
      res.json({ data: progressResponse(profile, lessonsProgress, lessons()) });
    }),
  );

  router.put(
    '/progress/name',
    handle('progress.name', async (req, res) => {
      const learner = requireLearner(req);
      const { displayName } = parseBody(setDisplayNameSchema, req.body, '{"displayName": "<1 to 60 characters>"}');
      spend(writes, req, 'changes');
      await progress.setDisplayName(learner, displayName);
      res.json({ data: profileResponse(await progress.profile(learner)) });
    }),
  );

  router.post(
    '/progress/events',
    handle('progress.events', async (req, res) => {
      const learner = requireLearner(req);
      const event = parseBody(progressEventSchema, req.body, '{"lesson": "<slug>", "step": "<step id>", "kind": "hint-opened" | "solution-shown"}');
      const lesson = lessons().find((candidate) => candidate.slug === event.lesson);
      if (!lesson) throw new SessionError('unknown-lesson', `There is no lesson "${event.lesson}".`);
      if (!lesson.steps.some((step) => step.id === event.step)) throw new SessionError('bad-request', `Lesson ${lesson.slug} has no step "${event.step}".`);
      spend(writes, req, 'changes');
      await progress.recordEvent({ learner, lesson: lesson.slug, step: event.step, kind: event.kind, at: new Date(now?.() ?? Date.now()) });
      res.status(204).end();
    }),
  );

  router.post(
    '/classes/join',
    handle('classes.join', async (req, res) => {
      const learner = requireLearner(req);
      const { code, displayName } = parseBody(joinClassSchema, req.body, '{"code": "K7M-2QF", "displayName": "<1 to 60 characters>"}');
      spend(lookups, req, 'class codes');
      const found = await progress.classByCode(code);
      if (!found) throw new SessionError('not-found', `No class has the code ${code}: check it with your instructor.`);
      spend(writes, req, 'changes');
      await progress.joinClass(learner, found.id, displayName);
      res.json({ data: { class: { name: found.name, code: found.code } } });
    }),
  );

  router.get(
    '/classes/:code',
    handle('classes.lookup', async (req, res) => {
      requireLearner(req);
      const code = parseBody(classCodeSchema, req.params.code, 'a class code like K7M-2QF in the path');
      spend(lookups, req, 'class codes');
      const found = await progress.classByCode(code);
      if (!found) throw new SessionError('not-found', `No class has the code ${code}: check it with your instructor.`);
      res.json({ data: { name: found.name, code: found.code } });
    }),
  );

  return router;
}
