import { z } from 'zod';
import {
  learnerProfileSchema,
  progressResponseSchema,
  type LearnerProfileResponse,
  type ProgressResponse,
} from '../../../sandbox-engine/src/contracts/progress.js';
import { resultSchema, type ApiError, type Result } from '../../../sandbox-engine/src/contracts/session.js';
import { learnerHeaders } from './learner-key.ts';

const UNREACHABLE: ApiError = {
  code: 'internal',
  message: 'Could not reach the Dockyard server. Check your connection, then try again.',
  retryable: true,
};

const classSchema = z.object({ name: z.string(), code: z.string() });
export type ClassSummary = z.infer<typeof classSchema>;

/**
 * One call to the progress API with this browser's learner key: the answer parsed with `schema`
 * (a `{ data }` or an `{ error }`), or an error that says what went wrong. Never throws.
 */
async function call<T extends z.ZodTypeAny>(
  path: string,
  init: { method: string; body?: unknown },
  schema: T,
  fetchImpl: typeof fetch,
): Promise<Result<z.infer<T>>> {
  let response: Response;
  try {
    response = await fetchImpl(path, {
      method: init.method,
      credentials: 'same-origin',
      headers: { accept: 'application/json', ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...learnerHeaders() },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  } catch {
    return { error: UNREACHABLE };
  }
  const answer = resultSchema(schema).safeParse(await response.json().catch(() => undefined));
  if (answer.success && ('error' in answer.data || response.ok)) return answer.data as Result<z.infer<T>>;
  return { error: { code: 'internal', message: `The Dockyard server answered in a way this page does not understand (HTTP ${response.status}).`, retryable: true } };
}

/** GET /api/progress: this browser's name, classes and progress in every lesson it touched. */
export function fetchProgress(fetchImpl: typeof fetch = fetch): Promise<Result<ProgressResponse>> {
  return call('/api/progress', { method: 'GET' }, progressResponseSchema, fetchImpl);
}

/** PUT /api/progress/name: the optional name instructors see. */
export function saveDisplayName(displayName: string, fetchImpl: typeof fetch = fetch): Promise<Result<LearnerProfileResponse>> {
  return call('/api/progress/name', { method: 'PUT', body: { displayName } }, learnerProfileSchema, fetchImpl);
}

/** GET /api/classes/:code: the class a code names (to ask "Join <name>?"). */
export function findClass(code: string, fetchImpl: typeof fetch = fetch): Promise<Result<ClassSummary>> {
  return call(`/api/classes/${encodeURIComponent(code)}`, { method: 'GET' }, classSchema, fetchImpl);
}

/** POST /api/classes/join. */
export function joinClass(code: string, displayName: string, fetchImpl: typeof fetch = fetch): Promise<Result<{ class: ClassSummary }>> {
  return call('/api/classes/join', { method: 'POST', body: { code, displayName } }, z.object({ class: classSchema }), fetchImpl);
}

/**
 * POST /api/progress/events: the learner opened a step's hint or was shown its solution. Best
 * effort (the page goes on either way); resolves with whether the server took it.
 */
export async function recordStepEvent(
  event: { lesson: string; step: string; kind: 'hint-opened' | 'solution-shown' },
  fetchImpl: typeof fetch = fetch,
): Promise<boolean> {
  try {
    const response = await fetchImpl('/api/progress/events', {
      method: 'POST',
      credentials: 'same-origin',
      keepalive: true,
      headers: { 'content-type': 'application/json', ...learnerHeaders() },
      body: JSON.stringify(event),
    });
    return response.ok;
  } catch {
    return false;
  }
}
