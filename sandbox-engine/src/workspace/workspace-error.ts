export type WorkspaceErrorCode = 'bad-request' | 'outside-workdir' | 'not-found' | 'conflict' | 'too-large';

/** A refused file or preview request, with the HTTP status it maps to. */
export class WorkspaceError extends Error {
  override name = 'WorkspaceError';
  constructor(
    readonly code: WorkspaceErrorCode,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return { 'bad-request': 400, 'outside-workdir': 403, 'not-found': 404, conflict: 409, 'too-large': 413 }[this.code];
  }
}
