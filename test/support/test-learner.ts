import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type { StepResult } from '../../sandbox-engine/src/contracts/checker.js';
import type { ApiError, SessionInfo } from '../../sandbox-engine/src/contracts/session.js';
import type { ClientToServerEvents, ServerToClientEvents, SocketErrorMessage } from '../../sandbox-engine/src/contracts/socket-events.js';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Drives the engine the way the lesson page does: HTTP session, cookie, socket.io terminal. */
export class TestLearner {
  cookie = '';
  socket: ClientSocket | undefined;
  output = '';
  received = 0;
  readonly errors: SocketErrorMessage[] = [];
  readonly clientId = randomUUID();
  private seq = 0;

  constructor(
    readonly baseUrl: string,
    readonly lesson: string,
  ) {}

  async startSession(): Promise<{ status: number; body: { data?: SessionInfo; error?: ApiError } }> {
    const response = await fetch(new URL('/api/sessions', this.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: this.cookie },
      body: JSON.stringify({ lesson: this.lesson }),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    return { status: response.status, body: (await response.json()) as { data?: SessionInfo; error?: ApiError } };
  }

  /** Connects the socket; resolves on connect, rejects with the server's reason. */
  connect(): Promise<ClientSocket> {
    const socket: ClientSocket = io(this.baseUrl, {
      auth: { lesson: this.lesson },
      extraHeaders: { cookie: this.cookie },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    this.socket = socket;
    socket.on('terminal:output', ({ offset, data }) => {
      if (offset + data.length <= this.received) return;
      const fresh = data.slice(Math.max(0, this.received - offset));
      this.output += fresh;
      this.received = offset + data.length;
    });
    socket.on('error:message', (message) => this.errors.push(message));
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', (error) => reject(error));
    });
  }

  async attach(since = this.received): Promise<number> {
    const result = await this.socket!.timeout(60_000).emitWithAck('terminal:attach', { terminalId: 'main', cols: 120, rows: 30, since });
    if ('error' in result) throw new Error(result.error.message);
    return result.data.offset;
  }

  /** Sends input; an explicit seq (to replay a message) moves the counter past it. */
  type(data: string, seq = this.seq): void {
    this.seq = Math.max(this.seq, seq + 1);
    this.socket!.emit('terminal:input', { terminalId: 'main', clientId: this.clientId, seq, data });
  }

  async waitForOutput(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (pattern.test(this.output)) return this.output;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`terminal never showed ${pattern}; it shows:\n${this.output.slice(-1500)}`);
  }

  async check(stepId: string): Promise<StepResult> {
    const result = await this.socket!.timeout(60_000).emitWithAck('step:check', { stepId });
    if ('error' in result) throw new Error(result.error.message);
    return result.data;
  }

  disconnect(): void {
    this.socket?.disconnect();
  }
}
