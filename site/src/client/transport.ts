import { io, type Socket } from 'socket.io-client';
import type { ApiError, Result, SessionInfo } from '../../../sandbox-engine/src/contracts/session.js';
import type { StepResult } from '../../../sandbox-engine/src/contracts/checker.js';
import type {
  ClientToServerEvents,
  ServerToClientEvents,
  SessionEnded,
  SessionExpiring,
  SocketErrorMessage,
} from '../../../sandbox-engine/src/contracts/socket-events.js';
import { MAX_INPUT_CHARS } from './limits.ts';
import { splitInput } from './input-chunks.ts';
import { OutputCursor } from './output-cursor.ts';
import { newClientId } from './client-id.ts';
import type { TerminalSize } from './terminal.ts';

const TERMINAL_ID = 'main';
const ATTACH_TIMEOUT_MS = 15_000;
const CHECK_TIMEOUT_MS = 130_000;
const KEEPALIVE_TIMEOUT_MS = 15_000;

export interface TransportEvents {
  output(data: string): void;
  attached(): void;
  attachFailed(error: ApiError): void;
  /** The connection dropped; socket.io is reconnecting by itself. */
  reconnecting(): void;
  /** The server refused the connection or closed it: it will not come back by itself. */
  refused(error: ApiError): void;
  sessionInfo(info: SessionInfo): void;
  expiring(event: SessionExpiring): void;
  ended(event: SessionEnded): void;
  stepResult(result: StepResult): void;
  errorMessage(event: SocketErrorMessage): void;
}

type LessonSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * The socket.io side of a lesson page: attaches the terminal on every (re)connect with the output
 * offset already held, writes each output character once, numbers input so the server can drop
 * repeats, and queues input until the terminal is attached.
 */
export class LessonTransport {
  readonly #socket: LessonSocket;
  readonly #cursor = new OutputCursor();
  readonly #clientId = newClientId();
  readonly #pending: string[] = [];
  #seq = 0;
  #attached = false;

  constructor(
    lesson: string,
    readonly size: () => TerminalSize,
    readonly on: TransportEvents,
  ) {
    this.#socket = io({ auth: { lesson }, transports: ['websocket', 'polling'], autoConnect: false, withCredentials: true });
    const socket = this.#socket;
    socket.on('connect', () => this.#attach());
    socket.on('disconnect', (reason) => {
      this.#attached = false;
      if (reason === 'io client disconnect') return;
      if (socket.active) on.reconnecting();
      else on.refused(failure('internal', 'The connection to your sandbox was closed.').error);
    });
    socket.on('connect_error', (error) => {
      if (socket.active) on.reconnecting();
      else on.refused(connectError(error));
    });
    socket.on('terminal:output', ({ terminalId, offset, data }) => {
      if (terminalId !== TERMINAL_ID) return;
      const fresh = this.#cursor.take(offset, data);
      if (fresh) on.output(fresh);
    });
    socket.on('session:info', (info) => on.sessionInfo(info));
    socket.on('session:expiring', (event) => on.expiring(event));
    socket.on('session:ended', (event) => {
      this.#attached = false;
      on.ended(event);
    });
    socket.on('step:result', (result) => on.stepResult(result));
    socket.on('error:message', (event) => on.errorMessage(event));
  }

  get attached(): boolean {
    return this.#attached;
  }

  connect(): void {
    if (!this.#socket.connected) this.#socket.connect();
  }

  disconnect(): void {
    this.#attached = false;
    this.#socket.disconnect();
  }

  /** Forget the old terminal's output and queued input: the next attach is to a new sandbox. */
  resetTerminal(): void {
    this.#cursor.reset();
    this.#pending.length = 0;
  }

  /** Sends keystrokes or a pasted text, split to the engine's message limit. */
  sendInput(data: string): void {
    if (!data) return;
    this.#pending.push(...splitInput(data, MAX_INPUT_CHARS));
    this.#flush();
  }

  resize({ cols, rows }: TerminalSize): void {
    if (this.#attached) this.#socket.emit('terminal:resize', { terminalId: TERMINAL_ID, cols, rows });
  }

  check(stepId: string): Promise<Result<StepResult>> {
    if (!this.#attached) {
      return Promise.resolve(failure('no-session', 'Your sandbox is not connected yet. Wait for the terminal, then check again.'));
    }
    return this.#request('step:check', { stepId }, CHECK_TIMEOUT_MS, 'The check took too long to answer. Try again.');
  }

  keepalive(): Promise<Result<SessionInfo>> {
    return this.#request('session:keepalive', {}, KEEPALIVE_TIMEOUT_MS, 'The server did not answer. Try again.');
  }

  async #request<T>(event: 'step:check' | 'session:keepalive', payload: object, timeoutMs: number, timeoutMessage: string): Promise<Result<T>> {
    try {
      const answer: unknown = await this.#socket.timeout(timeoutMs).emitWithAck(event, payload);
      return isResult<T>(answer) ? answer : failure('internal', 'The server sent an answer this page does not understand.');
    } catch {
      return failure('internal', timeoutMessage);
    }
  }

  async #attach(): Promise<void> {
    const socketId = this.#socket.id;
    const { cols, rows } = this.size();
    let answer: unknown;
    try {
      answer = await this.#socket
        .timeout(ATTACH_TIMEOUT_MS)
        .emitWithAck('terminal:attach', { terminalId: TERMINAL_ID, cols, rows, since: this.#cursor.received });
    } catch {
      answer = failure('internal', 'Your sandbox did not answer. Try again.');
    }
    if (this.#socket.id !== socketId || !this.#socket.connected) return;
    if (isResult(answer) && 'data' in answer) {
      this.#attached = true;
      this.on.attached();
      this.#flush();
      const now = this.size();
      if (now.cols !== cols || now.rows !== rows) this.resize(now);
    } else {
      this.on.attachFailed(isResult(answer) && 'error' in answer ? answer.error : failure('internal', 'Could not attach the terminal.').error);
    }
  }

  #flush(): void {
    while (this.#attached && this.#pending.length > 0) {
      const data = this.#pending.shift() as string;
      this.#socket.emit('terminal:input', { terminalId: TERMINAL_ID, clientId: this.#clientId, seq: this.#seq++, data });
    }
  }
}

function failure(code: ApiError['code'], message: string): { error: ApiError } {
  return { error: { code, message, retryable: true } };
}

function isResult<T>(value: unknown): value is Result<T> {
  return typeof value === 'object' && value !== null && ('data' in value || 'error' in value);
}

/**
 * Why the server refused the connection: socket.io puts the reason in error.message (the engine
 * says "no-session" when the cookie names no live sandbox), and middleware may add error.data.
 */
function connectError(error: Error & { data?: unknown }): ApiError {
  const data = error.data as { code?: unknown; message?: unknown } | undefined;
  if (error.message === 'no-session' || data?.code === 'no-session') {
    return { code: 'no-session', message: 'Your sandbox is no longer running.', retryable: true };
  }
  const detail = typeof data?.message === 'string' && data.message ? data.message : error.message;
  return failure('internal', detail || 'Could not connect to your sandbox.').error;
}
