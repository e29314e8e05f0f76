import type { NextFunction, Request, Response } from 'express';
import type { Config } from '../config/config-schema.js';
import { KeyedTokenBuckets } from '../limits/token-bucket.js';
import type { Logger } from '../log/logger.js';
import { SessionError } from '../sessions/session-errors.js';
import { clientAddress } from '../limits/client-address.js';
import { originAllowed } from './origin-policy.js';
import { sendError } from './send-error.js';

/** Refuses requests made by pages of other origins (a learner's app in the preview among them). */
export function requireSiteOrigin(config: Config, log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const verdict = originAllowed(req.headers, config.ALLOWED_ORIGINS);
    if (verdict.ok) return next();
    log.warn('http.origin.refused', { method: req.method, path: req.path, origin: req.headers.origin, reason: verdict.reason });
    sendError(res, new SessionError('origin-refused', `Refused: ${verdict.reason}. Only this site's own pages may use its API.`));
  };
}

/** A per-address request budget for the API: a flood gets 429 with Retry-After, everyone else is served. */
export function limitRequestRate(config: Config) {
  const buckets = new KeyedTokenBuckets(config.API_REQUESTS_PER_SECOND * 5, config.API_REQUESTS_PER_SECOND);
  return (req: Request, res: Response, next: NextFunction) => {
    const address = clientAddress(req, config.TRUST_PROXY_HOPS);
    if (buckets.take(address)) return next();
    const retryAfterMs = buckets.waitMs(address);
    sendError(res, new SessionError('rate-limited', 'Too many requests from your network address. Slow down and try again in a moment.', { retryAfterMs }));
  };
}
