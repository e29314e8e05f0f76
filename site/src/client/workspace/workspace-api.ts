import { learnerHeaders } from '../learner-key.ts';
import type {
  DirectoryListing,
  FileContent,
  PortList,
  WriteFileRequest,
  WriteFileResult,
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
    return this.#call(`/list?path=${encodeURIComponent(path)}${all ? '&all=1' : ''}`);
  }

  read(path: string): Promise<WorkspaceResult<FileContent>> {
    return this.#call(`/file?path=${encodeURIComponent(path)}`);
  }

  write(request: WriteFileRequest): Promise<WorkspaceResult<WriteFileResult>> {
    return this.#call('/file', { method: 'PUT', body: JSON.stringify(request) });
  }

  ports(): Promise<WorkspaceResult<PortList>> {
    return this.#call('/ports');
  }

  async #call<T>(path: string, init: RequestInit = {}): Promise<WorkspaceResult<T>> {
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
    const body = (await response.json().catch(() => undefined)) as { data?: T; error?: { code?: unknown; message?: unknown } } | undefined;
    if (response.ok && body && 'data' in body) return { data: body.data as T };
    const code = typeof body?.error?.code === 'string' ? body.error.code : `http-${response.status}`;
    const message = typeof body?.error?.message === 'string' ? body.error.message : `The server answered HTTP ${response.status}.`;
    return { error: { code, message, status: response.status } };
  }
}
