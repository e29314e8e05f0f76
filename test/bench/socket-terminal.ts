import { randomUUID } from 'node:crypto';
import { Duplex } from 'node:stream';
import { io, type Socket } from 'socket.io-client';
import { stepResultSchema, type StepResult } from '../../sandbox-engine/src/contracts/checker.js';
import { LEARNER_HEADER, startSessionResultSchema, type SessionInfo } from '../../sandbox-engine/src/contracts/session.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../../sandbox-engine/src/contracts/socket-events.js';
import type { ShellStream } from '../../sandbox-engine/src/drivers/sandbox-driver.js';
import { newLearnerKey } from '../../sandbox-engine/src/sessions/learner-key.js';
import { OutputAcks } from '../../site/src/client/output-acks.js';
import type { KeyTarget } from './keystroke-echo.js';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export class LoadClientError extends Error {
  override name = 'LoadClientError';
}

/** How long a learner waited for its sandbox: in the waiting line, then for the engine's answer. */
export interface SessionStart {
  session: SessionInfo;
  queuedMs: number;
  /** The last request (the one that answered with the sandbox). */
  requestMs: number;
}

/** Waits `ms`, or rejects when `signal` aborts; its listener goes when the wait ends (a learner polls for minutes). */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * One lesson page, without the page: the learner key in the header and the socket's auth, POST
 * /api/sessions (asking again while in the waiting line, as the page does), the main terminal over
 * socket.io with output acknowledged as written, numbered input, and Check through `step:check`.
 */
export class SocketTerminal implements KeyTarget {
  readonly learnerKey: string;
  private socket: ClientSocket | undefined;
  private readonly clientId = randomUUID();
  private seq = 0;
  private received = 0;
  private readonly outputListeners = new Set<(data: string) => void>();
  /** What LearnerTerminal reads and writes: output pushed in, input sent as terminal:input. */
  readonly shell: ShellStream;
  closedReason: string | undefined;

  constructor(
    readonly baseUrl: string,
    readonly lesson: string,
    learnerKey: string = newLearnerKey(),
  ) {
    this.learnerKey = learnerKey;
    const stream = new Duplex({
      read() {},
      write: (chunk: Buffer | string, _encoding, callback) => {
        this.write(chunk.toString());
        callback();
      },
    });
    this.shell = { stream, resize: async () => undefined };
  }

  /** POST /api/sessions until the engine gives the sandbox (201/200); 202 keeps the place in line, or among the starts. */
  async startSession(signal: AbortSignal): Promise<SessionStart> {
    const started = Date.now();
    for (;;) {
      const requested = Date.now();
      const response = await fetch(new URL('/api/sessions', this.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', [LEARNER_HEADER]: this.learnerKey },
        body: JSON.stringify({ lesson: this.lesson }),
        signal,
      });
      const answer = startSessionResultSchema.parse(await response.json());
      if ('data' in answer) return { session: answer.data, queuedMs: requested - started, requestMs: Date.now() - requested };
      if ('queued' in answer || 'starting' in answer) {
        await sleep('queued' in answer ? answer.queued.pollMs : answer.starting.pollMs, signal);
        continue;
      }
      if (answer.error.code === 'rate-limited' && answer.error.retryAfterMs !== undefined) {
        await sleep(answer.error.retryAfterMs, signal);
        continue;
      }
      throw new LoadClientError(`POST /api/sessions answered ${response.status} ${answer.error.code}: ${answer.error.message}`);
    }
  }

  /** Connects the socket and attaches the main terminal (120x30, from the start of its output). */
  async connect(): Promise<void> {
    const socket: ClientSocket = io(this.baseUrl, {
      auth: { lesson: this.lesson, learner: this.learnerKey },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    this.socket = socket;
    const acks = new OutputAcks((offset) => socket.emit('terminal:ack', { terminalId: 'main', offset }));
    socket.on('terminal:output', ({ terminalId, offset, data }) => {
      if (terminalId !== 'main') return;
      acks.written(offset + data.length);
      if (offset + data.length <= this.received) return;
      const fresh = data.slice(Math.max(0, this.received - offset));
      this.received = offset + data.length;
      for (const listener of this.outputListeners) listener(fresh);
      this.shell.stream.push(fresh);
    });
    socket.on('session:ended', ({ reason, message }) => (this.closedReason ??= `session ended (${reason}): ${message}`));
    socket.on('disconnect', (reason) => {
      this.closedReason ??= `socket closed: ${reason}`;
      this.shell.stream.push(null);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (error) => reject(new LoadClientError(`socket refused: ${error.message}`)));
    });
    const result = await socket.timeout(60_000).emitWithAck('terminal:attach', { terminalId: 'main', cols: 120, rows: 30, since: 0 });
    if ('error' in result) throw new LoadClientError(`terminal:attach: ${result.error.message}`);
  }

  /** Input as the page sends a keystroke or a paste. */
  write(data: string): void {
    if (!this.socket?.connected) return;
    this.socket.emit('terminal:input', { terminalId: 'main', clientId: this.clientId, seq: this.seq++, data });
  }

  onOutput(listener: (data: string) => void): () => void {
    this.outputListeners.add(listener);
    return () => this.outputListeners.delete(listener);
  }

  /** Clicks Check: the engine's verdict. */
  async check(stepId: string): Promise<StepResult> {
    if (!this.socket) throw new LoadClientError('not connected');
    const result = await this.socket.timeout(90_000).emitWithAck('step:check', { stepId });
    if ('error' in result) throw new LoadClientError(`step:check ${stepId}: ${result.error.message}`);
    return stepResultSchema.parse(result.data);
  }

  /** "End sandbox", then the page closes. */
  async end(): Promise<void> {
    this.socket?.disconnect();
    const response = await fetch(new URL(`/api/sessions/${this.lesson}`, this.baseUrl), {
      method: 'DELETE',
      headers: { [LEARNER_HEADER]: this.learnerKey },
      signal: AbortSignal.timeout(60_000),
    });
    await response.body?.cancel();
  }

  disconnect(): void {
    this.socket?.disconnect();
  }
}
