import { markOnce } from './page-timings.ts';
import { io, type Socket } from 'socket.io-client';
import type { ApiError, Result, SessionInfo } from '../../../sandbox-engine/src/contracts/session.js';
import type { StepResult } from '../../../sandbox-engine/src/contracts/checker.js';
import type { ReplayProgress } from '../../../sandbox-engine/src/contracts/progress.js';
import type {
  ClientToServerEvents,
  ServerToClientEvents,
  SessionEnded,
  SessionExpiring,
  SocketErrorMessage,
} from '../../../sandbox-engine/src/contracts/socket-events.js';
import type { TerminalInfo } from '../../../sandbox-engine/src/contracts/workspace.js';
import { TerminalChannel } from './terminal-channel.ts';
import { newClientId } from './client-id.ts';
import { InputPacer } from './input-pacer.ts';
import { INPUT_BURST_CHARS, INPUT_CHARS_PER_SECOND } from './limits.ts';
import { learnerKey } from './learner-key.ts';
import type { TerminalSize } from './terminal.ts';

export const MAIN_TERMINAL = 'main';
const ATTACH_TIMEOUT_MS = 15_000;
const CHECK_TIMEOUT_MS = 130_000;
const REQUEST_TIMEOUT_MS = 15_000;

export interface TransportEvents {
  /** New output; call `written` once it is written (xterm's write callback): that lets the engine send more. */
  output(terminalId: string, data: string, written: () => void): void;
  attached(terminalId: string): void;
  attachFailed(terminalId: string, error: ApiError): void;
  /** The session's terminals, in tab order, whenever the server or an ack tells them. */
  terminals(list: TerminalInfo[]): void;
  /** The connection dropped; socket.io is reconnecting by itself. */
  reconnecting(): void;
  /** The server refused the connection or closed it: it will not come back by itself. */
  refused(error: ApiError): void;
  sessionInfo(info: SessionInfo): void;
  expiring(event: SessionExpiring): void;
  ended(event: SessionEnded): void;
  stepResult(result: StepResult): void;
  /** How a replay of passed steps goes ('lesson:replay', from this page or another of the session). */
  replayProgress(event: ReplayProgress): void;
  errorMessage(event: SocketErrorMessage): void;
  /** An instructor started or stopped watching the main terminal (read-only). */
  watched(watching: boolean): void;
}

type LessonSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type RequestEvent = 'step:check' | 'session:keepalive' | 'terminal:open' | 'terminal:rename' | 'terminal:close' | 'lesson:replay';

/**
 * The socket.io side of a lesson page: attaches every terminal of the session on each (re)connect
 * with the output offset already held, writes each output character once, numbers input so the
 * server can drop repeats, and queues input until its terminal is attached. Terminals other than
 * main are opened, renamed and closed through acks; the server's `terminals:list` is the truth.
 */
export class LessonTransport {
  readonly #socket: LessonSocket;
  readonly #channels = new Map<string, TerminalChannel>([[MAIN_TERMINAL, this.#newChannel(MAIN_TERMINAL)]]);
  readonly #clientId = newClientId();
  #terminals: TerminalInfo[] = [{ terminalId: MAIN_TERMINAL, name: 'Terminal 1' }];
  readonly #outputWaiters = new Map<string, (() => void)[]>();
  /** Big pastes go out at a pace the engine's input limit lets through. */
  readonly #pacer = new InputPacer(INPUT_BURST_CHARS, INPUT_CHARS_PER_SECOND);
  #paceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    lesson: string,
    readonly size: (terminalId: string) => TerminalSize,
    readonly on: TransportEvents,
  ) {
    this.#socket = io({ auth: { lesson, learner: learnerKey() }, transports: ['websocket', 'polling'], autoConnect: false, withCredentials: true });
    const socket = this.#socket;
    socket.on('connect', () => {
      markOnce('dockyard:socket-connected');
      for (const channel of this.#channels.values()) void this.#attach(channel);
    });
    socket.on('disconnect', (reason) => {
      on.watched(false);
      for (const channel of this.#channels.values()) channel.detach();
      if (reason === 'io client disconnect') return;
      if (socket.active) on.reconnecting();
      else on.refused(failure('internal', 'The connection to your sandbox was closed.').error);
    });
    socket.on('connect_error', (error) => {
      if (socket.active) on.reconnecting();
      else on.refused(connectError(error));
    });
    socket.on('terminal:output', ({ terminalId, offset, data }) => {
      const channel = this.#channels.get(terminalId);
      const fresh = channel?.cursor.take(offset, data);
      if (!channel || !fresh) return channel?.acks.written(offset + data.length);
      const end = channel.cursor.received;
      on.output(terminalId, fresh, () => channel.acks.written(end));
      for (const resolve of this.#outputWaiters.get(terminalId)?.splice(0) ?? []) resolve();
    });
    socket.on('terminals:list', (list) => this.#syncTerminals(list));
    socket.on('session:info', (info) => on.sessionInfo(info));
    socket.on('session:expiring', (event) => on.expiring(event));
    socket.on('session:ended', (event) => {
      for (const channel of this.#channels.values()) channel.detach();
      on.ended(event);
    });
    socket.on('step:result', (result) => on.stepResult(result));
    socket.on('replay:progress', (event) => on.replayProgress(event));
    socket.on('error:message', (event) => on.errorMessage(event));
    socket.on('session:watched', ({ watching }) => on.watched(watching));
  }

  /** Whether the main terminal is attached: the sandbox is connected. */
  get attached(): boolean {
    return this.#channels.get(MAIN_TERMINAL)?.attached ?? false;
  }

  connect(): void {
    if (!this.#socket.connected) this.#socket.connect();
  }

  /**
   * Opens the connection's WebSocket while the sandbox is still being asked for, without joining
   * (the engine checks the learner when they join): connect() then takes one message. disconnect()
   * closes it again when no sandbox comes.
   */
  prepare(): void {
    if (!this.#socket.active) this.#socket.io.open();
  }

  disconnect(): void {
    for (const channel of this.#channels.values()) channel.detach();
    this.#socket.disconnect();
  }

  /** The session's terminals as last heard, main first. */
  get terminals(): readonly TerminalInfo[] {
    return this.#terminals;
  }

  /** Forget every terminal's output and queued input: the next attach is to a new sandbox. */
  resetTerminals(): void {
    for (const [id, channel] of this.#channels) {
      if (id === MAIN_TERMINAL) channel.reset();
      else this.#channels.delete(id);
    }
    this.#terminals = this.#terminals.filter((terminal) => terminal.terminalId === MAIN_TERMINAL);
    this.on.terminals(this.#terminals);
  }

  /** Sends keystrokes or a pasted text to one terminal (queued until it is attached). */
  sendInput(terminalId: string, data: string): void {
    const channel = this.#channels.get(terminalId);
    if (!channel || !data) return;
    channel.queue(data);
    this.#flush(channel);
  }

  /**
   * Resolves once a terminal has printed something (its first prompt), or after `timeoutMs`:
   * input sent to a shell before its prompt is echoed twice.
   */
  whenOutput(terminalId: string, timeoutMs: number): Promise<void> {
    if ((this.#channels.get(terminalId)?.cursor.received ?? 0) > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.#outputWaiters.get(terminalId) ?? [];
      waiters.push(resolve);
      this.#outputWaiters.set(terminalId, waiters);
      setTimeout(resolve, timeoutMs);
    });
  }

  resize(terminalId: string, { cols, rows }: TerminalSize): void {
    if (this.#channels.get(terminalId)?.attached) this.#socket.emit('terminal:resize', { terminalId, cols, rows });
  }

  /** Opens another shell in the sandbox and attaches it; the answer names it. */
  async openTerminal(name?: string): Promise<Result<TerminalInfo>> {
    const result = await this.#request<TerminalInfo>('terminal:open', name ? { name } : {}, REQUEST_TIMEOUT_MS);
    if ('data' in result && !this.#terminals.some((terminal) => terminal.terminalId === result.data.terminalId)) {
      this.#syncTerminals([...this.#terminals, result.data]);
    }
    return result;
  }

  async renameTerminal(terminalId: string, name: string): Promise<Result<TerminalInfo[]>> {
    const result = await this.#request<TerminalInfo[]>('terminal:rename', { terminalId, name }, REQUEST_TIMEOUT_MS);
    if ('data' in result) this.#syncTerminals(result.data);
    return result;
  }

  async closeTerminal(terminalId: string): Promise<Result<TerminalInfo[]>> {
    const result = await this.#request<TerminalInfo[]>('terminal:close', { terminalId }, REQUEST_TIMEOUT_MS);
    if ('data' in result) this.#syncTerminals(result.data);
    return result;
  }

  check(stepId: string): Promise<Result<StepResult>> {
    if (!this.attached) {
      return Promise.resolve(failure('no-session', 'Your sandbox is not connected yet. Wait for the terminal, then check again.'));
    }
    return this.#request('step:check', { stepId }, CHECK_TIMEOUT_MS, 'The check took too long to answer. Try again.');
  }

  /** Asks the engine to type the solutions of the steps passed before into this (new) sandbox. */
  replay(): Promise<Result<{ steps: string[] }>> {
    if (!this.attached) {
      return Promise.resolve(failure('no-session', 'Your sandbox is not connected yet. Wait for the terminal, then try again.'));
    }
    return this.#request('lesson:replay', {}, REQUEST_TIMEOUT_MS);
  }

  keepalive(): Promise<Result<SessionInfo>> {
    return this.#request('session:keepalive', {}, REQUEST_TIMEOUT_MS);
  }

  /** Keeps a channel for every listed terminal (attaching new ones) and drops the others. */
  #syncTerminals(list: TerminalInfo[]): void {
    if (!list.some((terminal) => terminal.terminalId === MAIN_TERMINAL)) list = [{ terminalId: MAIN_TERMINAL, name: 'Terminal 1' }, ...list];
    this.#terminals = list;
    const listed = new Set(list.map((terminal) => terminal.terminalId));
    for (const id of this.#channels.keys()) {
      if (id !== MAIN_TERMINAL && !listed.has(id)) this.#channels.delete(id);
    }
    for (const id of listed) this.#ensureChannel(id);
    this.on.terminals(list);
  }

  #ensureChannel(terminalId: string): void {
    let channel = this.#channels.get(terminalId);
    if (!channel) {
      channel = this.#newChannel(terminalId);
      this.#channels.set(terminalId, channel);
    }
    if (this.#socket.connected && !channel.attached && !channel.attaching) void this.#attach(channel);
  }

  async #request<T>(event: RequestEvent, payload: object, timeoutMs: number, timeoutMessage = 'The server did not answer. Try again.'): Promise<Result<T>> {
    try {
      const answer: unknown = await this.#socket.timeout(timeoutMs).emitWithAck(event, payload);
      return isResult<T>(answer) ? answer : failure('internal', 'The server sent an answer this page does not understand.');
    } catch {
      return failure('internal', timeoutMessage);
    }
  }

  async #attach(channel: TerminalChannel): Promise<void> {
    const socketId = this.#socket.id;
    const { terminalId } = channel;
    const { cols, rows } = this.size(terminalId);
    channel.attaching = true;
    let answer: unknown;
    try {
      answer = await this.#socket
        .timeout(ATTACH_TIMEOUT_MS)
        .emitWithAck('terminal:attach', { terminalId, cols, rows, since: channel.cursor.received });
    } catch {
      answer = failure('internal', 'Your sandbox did not answer. Try again.');
    }
    channel.attaching = false;
    if (this.#socket.id !== socketId || !this.#socket.connected || this.#channels.get(terminalId) !== channel) return;
    if (isResult(answer) && 'data' in answer) {
      channel.attached = true;
      this.on.attached(terminalId);
      this.#flush(channel);
      const now = this.size(terminalId);
      if (now.cols !== cols || now.rows !== rows) this.resize(terminalId, now);
    } else {
      channel.dropPending();
      this.on.attachFailed(terminalId, isResult(answer) && 'error' in answer ? answer.error : failure('internal', 'Could not attach the terminal.').error);
    }
  }

  #newChannel(terminalId: string): TerminalChannel {
    return new TerminalChannel(terminalId, (offset) => {
      if (this.#socket.connected) this.#socket.emit('terminal:ack', { terminalId, offset });
    });
  }

  /** Sends a channel's queued input as far as the pace allows, and comes back for the rest. */
  #flush(channel: TerminalChannel): void {
    let wait = 0;
    const fits = (data: string) => (wait = this.#pacer.delayFor(data.length)) === 0;
    for (const message of channel.drain(fits)) this.#socket.emit('terminal:input', { ...message, clientId: this.#clientId });
    if (wait === 0 || this.#paceTimer !== undefined) return;
    this.#paceTimer = setTimeout(() => {
      this.#paceTimer = undefined;
      for (const waiting of this.#channels.values()) this.#flush(waiting);
    }, wait);
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
 * says "no-session" when the learner key opens no live sandbox of this lesson), and middleware may add error.data.
 */
function connectError(error: Error & { data?: unknown }): ApiError {
  const data = error.data as { code?: unknown; message?: unknown } | undefined;
  if (error.message === 'no-session' || data?.code === 'no-session') {
    return { code: 'no-session', message: 'Your sandbox is no longer running.', retryable: true };
  }
  const detail = typeof data?.message === 'string' && data.message ? data.message : error.message;
  return failure('internal', detail || 'Could not connect to your sandbox.').error;
}
