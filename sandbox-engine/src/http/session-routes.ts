import express from 'express';
import type { Config } from '../config/config-schema.js';
import { createSessionRequestSchema, type StartSessionResult } from '../contracts/session.js';
import type { Logger } from '../log/logger.js';
import type { SessionAdmission } from '../sessions/session-admission.js';
import { SessionError } from '../sessions/session-errors.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { clientAddress } from '../limits/client-address.js';
import { requireLearner, requireSession } from './learner-auth.js';
import { sendError } from './send-error.js';

export interface SessionRoutesDeps {
  config: Config;
  sessions: SessionManager;
  admission: SessionAdmission;
  log: Logger;
}

/**
 * /api/sessions: POST {lesson, move?} gives the learner (the key in the learner header) their
 * sandbox: 200 resumed, 201 started, 202 a place in the waiting line (ask again to keep it) or,
 * when the start takes longer than SESSION_START_WAIT_MS, the place among the starts (the start
 * goes on; ask again to get it);
 * DELETE /api/sessions/:lesson ends it ("End sandbox"); DELETE /api/sessions/queue leaves the line.
 */
export function sessionRoutes({ config, sessions, admission, log }: SessionRoutesDeps): express.Router {
  const router = express.Router();

  router.post('/', async (req, res) => {
    try {
      const learnerHash = requireLearner(req);
      const parsed = createSessionRequestSchema.safeParse(req.body);
      if (!parsed.success) throw new SessionError('bad-request', `Expected {"lesson": "<slug>"}: ${parsed.error.issues[0]?.message}`);
      const outcome = await admission.request({ learnerHash, ...parsed.data, clientAddress: clientAddress(req, config.TRUST_PROXY_HOPS) });
      if (outcome.kind === 'queued') {
        res.status(202).json({ queued: outcome.queue } satisfies StartSessionResult);
        return;
      }
      if (outcome.kind === 'starting') {
        res.status(202).json({ starting: outcome.place } satisfies StartSessionResult);
        return;
      }
      const info = outcome.session.info(sessions.settings, !outcome.created, outcome.movedFrom);
      res.status(outcome.created ? 201 : 200).json({ data: info } satisfies StartSessionResult);
    } catch (error) {
      if (!(error instanceof SessionError)) log.error('http.session.create', { error });
      sendError(res, error);
    }
  });

  router.delete('/queue', (req, res) => {
    try {
      admission.leave(requireLearner(req));
      res.json({ data: { left: true } });
    } catch (error) {
      sendError(res, error);
    }
  });

  router.delete('/:lesson', async (req, res) => {
    let session;
    try {
      session = requireSession(sessions, req, req.params.lesson ?? '');
    } catch (error) {
      return sendError(res, error);
    }
    await sessions.destroy(session, 'ended');
    res.json({ data: { ended: true } });
  });
  return router;
}
