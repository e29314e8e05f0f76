import type { ZodType, ZodTypeDef } from 'zod';
import { learnerHeaders } from '../learner-key.ts';
import { resultSchema } from '../../../../sandbox-engine/src/contracts/session.js';
import {
  directoryListingSchema,
  fileContentSchema,
  portListSchema,
  writeFileResultSchema,
  type DirectoryListing,
  type FileContent,
  type PortList,
  type WriteFileRequest,
  type WriteFileResult,
} from '../../../../sandbox-engine/src/contracts/workspace.js';

/** An error from the workspace API: the engine's code ('conflict', 'not-found', …) and HTTP status. */
export interface WorkspaceError {
  code: string;
  message: string;
  status: number;
}

export type WorkspaceResult<T> = { data: T } | { error: WorkspaceError };

/**
 * The learner's files and ports, through the engine: /api/workspace/<lesson>/… with the session
 * learner key. Never throws: network failures and unexpected answers come back as an error.
 */
export class WorkspaceApi {
  readonly #base: string;

  constructor(
    lesson: string,
    readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
  ) {
    this.#base = `/api/workspace/${encodeURIComponent(lesson)}`;
  }

  list(path: string, all = false): Promise<WorkspaceResult<DirectoryListing>> {
    return this.#call(`/list?path=${encodeURIComponent(path)}${all ? '&all=1' : ''}`, directoryListingSchema);
  }

  read(path: string): Promise<WorkspaceResult<FileContent>> {
    return this.#call(`/file?path=${encodeURIComponent(path)}`, fileContentSchema);
  }

  write(request: WriteFileRequest): Promise<WorkspaceResult<WriteFileResult>> {
    return this.#call('/file', writeFileResultSchema, { method: 'PUT', body: JSON.stringify(request) });
  }

  ports(): Promise<WorkspaceResult<PortList>> {
    return this.#call('/ports', portListSchema);
  }

  /** Calls the API and parses its answer with `schema` (the data) or the engine's error schema. */
  async #call<T>(path: string, schema: ZodType<T, ZodTypeDef, unknown>, init: RequestInit = {}): Promise<WorkspaceResult<T>> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.#base}${path}`, {
        ...init,
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { accept: 'application/json', ...learnerHeaders(), ...(init.body ? { 'content-type': 'application/json' } : {}) },
      });
    } catch {
      return { error: { code: 'network', message: 'Could not reach the Dockyard server.', status: 0 } };
    }
    const answer = resultSchema(schema).safeParse(await response.json().catch(() => undefined));
    // `as T`: zod cannot name the output of a generic schema; `schema` has just parsed this data.
    if (answer.success && 'data' in answer.data && response.ok) return { data: answer.data.data as T };
    if (answer.success && 'error' in answer.data) {
      const { code, message } = answer.data.error;
      return { error: { code, message, status: response.status } };
    }
    return { error: { code: `http-${response.status}`, message: `The server answered HTTP ${response.status}.`, status: response.status } };
  }
}
