import { z } from 'zod';
import { classSummarySchema, instructorStatusSchema, type ClassSummary, type InstructorStatus } from '../../../../sandbox-engine/src/contracts/instructor.js';
import { resultSchema, type ApiError, type Result } from '../../../../sandbox-engine/src/contracts/session.js';

const UNREACHABLE: ApiError = {
  code: 'internal',
  message: 'Could not reach the Dockyard server. Check your connection, then try again.',
  retryable: true,
};

/**
 * One call to /api/instructor (the session cookie goes along by itself): the answer parsed with
 * `schema`, 204 as `{ data: undefined }`, or an error that says what went wrong. Never throws.
 */
async function call<T extends z.ZodTypeAny>(path: string, init: { method: string; body?: unknown }, schema: T, fetchImpl: typeof fetch): Promise<Result<z.infer<T>>> {
  let response: Response;
  try {
    response = await fetchImpl(`/api/instructor${path}`, {
      method: init.method,
      credentials: 'same-origin',
      headers: { accept: 'application/json', ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  } catch {
    return { error: UNREACHABLE };
  }
  if (response.status === 204) return { data: undefined };
  const answer = resultSchema(schema).safeParse(await response.json().catch(() => undefined));
  if (answer.success && ('error' in answer.data || response.ok)) return answer.data as Result<z.infer<T>>;
  return { error: { code: 'internal', message: `The Dockyard server answered in a way this page does not understand (HTTP ${response.status}).`, retryable: true } };
}

export function instructorStatus(fetchImpl: typeof fetch = fetch): Promise<Result<InstructorStatus>> {
  return call('/status', { method: 'GET' }, instructorStatusSchema, fetchImpl);
}

export function signIn(password: string, fetchImpl: typeof fetch = fetch): Promise<Result<undefined>> {
  return call('/login', { method: 'POST', body: { password } }, z.undefined(), fetchImpl);
}

export function signOut(fetchImpl: typeof fetch = fetch): Promise<Result<undefined>> {
  return call('/logout', { method: 'POST' }, z.undefined(), fetchImpl);
}

export function listClasses(fetchImpl: typeof fetch = fetch): Promise<Result<ClassSummary[]>> {
  return call('/classes', { method: 'GET' }, z.array(classSummarySchema), fetchImpl);
}

export function createClass(name: string, fetchImpl: typeof fetch = fetch): Promise<Result<ClassSummary>> {
  return call('/classes', { method: 'POST', body: { name } }, classSummarySchema, fetchImpl);
}

/** A new join code for the class: the old one stops working. */
export function renewClassCode(classId: string, fetchImpl: typeof fetch = fetch): Promise<Result<ClassSummary>> {
  return call(`/classes/${encodeURIComponent(classId)}/code`, { method: 'POST' }, classSummarySchema, fetchImpl);
}

/** Takes a learner out of the class (their progress stays theirs). */
export function removeMember(classId: string, learner: string, fetchImpl: typeof fetch = fetch): Promise<Result<{ removed: boolean }>> {
  return call(`/classes/${encodeURIComponent(classId)}/members/${encodeURIComponent(learner)}`, { method: 'DELETE' }, z.object({ removed: z.boolean() }), fetchImpl);
}

/** Where a class's results download (the cookie signs the request). */
export const resultsPath = (classId: string, format: 'csv' | 'json') => `/api/instructor/classes/${encodeURIComponent(classId)}/results.${format}`;
