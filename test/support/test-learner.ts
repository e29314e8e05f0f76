import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type { StepResult } from '../../sandbox-engine/src/contracts/checker.js';
import type { PortList } from '../../sandbox-engine/src/contracts/workspace.js';
import { LEARNER_HEADER, type ApiError, type QueuePosition, type SessionInfo, type StartPlace } from '../../sandbox-engine/src/contracts/session.js';
import { newLearnerKey } from '../../sandbox-engine/src/sessions/learner-key.js';
import type { ClientToServerEvents, ServerToClientEvents, SocketErrorMessage } from '../../sandbox-engine/src/contracts/socket-events.js';
import { OutputAcks } from '../../site/src/client/output-acks.js';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type StartAnswer = { data?: SessionInfo; queued?: QueuePosition; starting?: StartPlace; error?: ApiError };

/** Drives the engine the way the lesson page does: a learner key, HTTP session, socket.io terminal. */
export class TestLearner {
  /** The key a browser keeps in the site's storage; give two learners the same one to be one browser. */
  learnerKey = newLearnerKey();
  /** The session the last startSession answered with. */
  sessionId: string | undefined;
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

  /** Headers the lesson page sends with every API call. */
  get headers(): Record<string, string> {
    return { 'content-type': 'application/json', [LEARNER_HEADER]: this.learnerKey };
  }

  /**
   * POST /api/sessions. A start that takes a while answers 202 `starting`: like the page, this asks
   * again until the start ends (`follow: false` returns that first answer instead).
   */
  async startSession({ follow = true, ...options }: { move?: boolean; follow?: boolean } = {}): Promise<{ status: number; body: StartAnswer }> {
    for (;;) {
      const response = await fetch(new URL('/api/sessions', this.baseUrl), {
        method: 'POST',
        headers: this.headers,
        body: JSON.stringify({ lesson: this.lesson, ...options }),
      });
      const body = (await response.json()) as StartAnswer;
      if (body.data) this.sessionId = body.data.sessionId;
      if (!follow || !body.starting) return { status: response.status, body };
      await new Promise((resolve) => setTimeout(resolve, body.starting!.pollMs));
    }
  }

  /** The sandbox's published ports as the page lists them (GET /api/workspace/<lesson>/ports). */
  async ports(): Promise<PortList> {
    const response = await fetch(new URL(`/api/workspace/${this.lesson}/ports`, this.baseUrl), { headers: this.headers });
    return ((await response.json()) as { data: PortList }).data;
  }

  /** The ports once at least one is published (a container just started), within 10 s. */
  async waitForPorts(): Promise<PortList> {
    for (let attempt = 0; ; attempt++) {
      const list = await this.ports();
      if (list.ports.length > 0 || attempt >= 50) return list;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** "End sandbox". */
  async endSession(): Promise<number> {
    const response = await fetch(new URL(`/api/sessions/${this.lesson}`, this.baseUrl), { method: 'DELETE', headers: this.headers });
    return response.status;
  }

  /** Connects the socket; resolves on connect, rejects with the server's reason. */
  connect(): Promise<ClientSocket> {
    const socket: ClientSocket = io(this.baseUrl, {
      auth: { lesson: this.lesson, learner: this.learnerKey },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    this.socket = socket;
    // Acknowledge output like the page does once xterm wrote it (here: at once), so the shell is not paused.
    const acks = new Map<string, OutputAcks>();
    socket.on('terminal:output', ({ terminalId, offset, data }) => {
      let acker = acks.get(terminalId);
      if (!acker) acks.set(terminalId, (acker = new OutputAcks((end) => socket.emit('terminal:ack', { terminalId, offset: end }))));
      acker.written(offset + data.length);
      if (terminalId !== 'main' || offset + data.length <= this.received) return;
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
