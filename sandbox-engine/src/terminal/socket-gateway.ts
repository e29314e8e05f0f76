import type { Server, Socket } from 'socket.io';
import type { ZodType } from 'zod';
import type { StepResult } from '../contracts/checker.js';
import type { Lesson, Step } from '../contracts/lesson.js';
import type { ApiErrorCode } from '../contracts/session.js';
import {
  keepaliveSchema,
  stepCheckSchema,
  terminalAckSchema,
  terminalAttachSchema,
  terminalInputSchema,
  terminalResizeSchema,
  type Ack,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '../contracts/socket-events.js';
import { terminalCloseSchema, terminalOpenSchema, terminalRenameSchema } from '../contracts/workspace.js';
import type { SandboxShell } from '../checkers/sandbox-shell.js';
import { clientAddress } from '../http/client-address.js';
import { socketAuthSchema } from '../contracts/session.js';
import type { Logger } from '../log/logger.js';
import type { Session } from '../sessions/session.js';
import { toApiError } from '../sessions/session-errors.js';
import type { SessionManager } from '../sessions/session-manager.js';
import { inputChars, SocketRateLimit } from './socket-rate-limit.js';

interface SocketData {
  session: Session;
}

export type GatewayServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type GatewaySocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface SocketGatewayDeps {
  sessions: SessionManager;
  findLesson: (slug: string) => Lesson | undefined;
  runChecks: (step: Step, shell: SandboxShell) => Promise<StepResult>;
  log: Logger;
  trustProxyHops: number;
  maxSocketsPerAddress: number;
}

function reply<T>(ack: unknown, result: { data: T } | { error: { code: ApiErrorCode; message: string; retryable: boolean } }) {
  if (typeof ack === 'function') (ack as Ack<T>)(result);
}

/** The socket.io side: authenticates a page to its session, then carries terminal I/O, checks and session events. */
export function attachSocketGateway(io: GatewayServer, deps: SocketGatewayDeps): void {
  const { sessions, log } = deps;
  const checksInFlight = new Map<string, Promise<StepResult>>();

  const socketsPerAddress = new Map<string, number>();
  io.use((socket, next) => {
    const auth = socketAuthSchema.safeParse(socket.handshake.auth);
    const session = auth.success ? sessions.authenticate(auth.data.lesson, auth.data.learner) : undefined;
    if (!session) return next(new Error('no-session'));
    const address = clientAddress(socket.request, deps.trustProxyHops);
    const open = socketsPerAddress.get(address) ?? 0;
    if (open >= deps.maxSocketsPerAddress) {
      log.warn('socket.address.limit', { address, open });
      return next(Object.assign(new Error('too-many-connections'), { data: { code: 'rate-limited', message: `Your network address has ${open} open terminal connections, the most this server allows. Close some tabs.` } }));
    }
    socketsPerAddress.set(address, open + 1);
    socket.once('disconnect', () => {
      const left = (socketsPerAddress.get(address) ?? 1) - 1;
      if (left > 0) socketsPerAddress.set(address, left);
      else socketsPerAddress.delete(address);
    });
    socket.data.session = session;
    next();
  });

  sessions.onEvent((event) => {
    if (event.type === 'expiring') io.to(event.session.id).emit('session:expiring', event.payload);
    if (event.type === 'ended') {
      io.to(event.session.id).emit('session:ended', event.payload);
      io.in(event.session.id).disconnectSockets();
    }
  });

  io.on('connection', (socket: GatewaySocket) => {
    const session = socket.data.session;
    const detachers = new Map<string, () => void>();
    const acks = new Map<string, (offset: number) => void>();
    void socket.join(session.id);
    socket.emit('session:info', session.info(sessions.settings, true));
    socket.emit('terminals:list', session.terminalList());

    /** Validates a message; a bad one gets an error event (and an error ack) and changes nothing. */
    const parse = <T>(event: string, schema: ZodType<T, any, any>, payload: unknown, ack?: unknown): T | undefined => {
      const parsed = schema.safeParse(payload);
      if (parsed.success) return parsed.data;
      const issue = parsed.error.issues[0];
      const message = `Malformed ${event} message: ${issue ? `${issue.path.join('.') || 'payload'}: ${issue.message}` : 'invalid'}`;
      socket.emit('error:message', { event, message });
      reply(ack, { error: { code: 'bad-request', message, retryable: false } });
      return undefined;
    };
    // Every message costs a token (input also its length); one over the limits is dropped before any handler.
    const limit = new SocketRateLimit();
    socket.use(([event, payload, ...rest], next) => {
      const verdict = limit.check(inputChars(event, payload));
      if (verdict === 'pass') return next();
      const message = 'Too many messages: slow down. Some of what you sent was dropped.';
      if (verdict === 'drop-and-notify') socket.emit('error:message', { event: String(event).slice(0, 64), message });
      reply(rest.at(-1) ?? payload, { error: { code: 'rate-limited', message, retryable: true } });
      if (verdict !== 'disconnect') return;
      log.warn('socket.flood.disconnected', { session: session.id });
      socket.disconnect(true);
    });
    /** Runs a handler so that no failure can escape into the process. */
    const guard = (event: string, handler: (payload: unknown, ack?: unknown) => Promise<void> | void) =>
      (payload: unknown, ack?: unknown) => {
        Promise.resolve()
          .then(() => handler(payload, ack))
          .catch((error: unknown) => {
            log.error('socket.handler.failed', { event, session: session.id, error });
            socket.emit('error:message', { event, message: toApiError(error).message });
            reply(ack, { error: toApiError(error) });
          });
      };

    socket.on('terminal:attach', guard('terminal:attach', async (payload, ack) => {
      const message = parse('terminal:attach', terminalAttachSchema, payload, ack);
      if (!message) return;
      const terminal = await sessions.terminal(session, message.terminalId, message);
      detachers.get(message.terminalId)?.();
      const { replay, detach, ack: acknowledge } = terminal.attach(
        message.since,
        (chunk) => socket.emit('terminal:output', { terminalId: message.terminalId, ...chunk }),
        () => {
          // A page that stopped reading (a frozen tab) lets the shell go on: its transport is closed, so
          // it reconnects and re-attaches from its own offset once it runs again.
          log.warn('terminal.reader.stalled', { session: session.id, terminal: message.terminalId });
          socket.conn.close(true);
        },
      );
      detachers.set(message.terminalId, detach);
      acks.set(message.terminalId, acknowledge);
      if (replay.data) socket.emit('terminal:output', { terminalId: message.terminalId, ...replay });
      await terminal.resize(message.cols, message.rows).catch(() => undefined);
      reply(ack, { data: { offset: replay.offset + replay.data.length } });
    }));

    socket.on('terminal:input', guard('terminal:input', (payload) => {
      const message = parse('terminal:input', terminalInputSchema, payload);
      if (!message) return;
      const terminal = session.terminals.get(message.terminalId);
      if (!terminal) {
        socket.emit('error:message', { event: 'terminal:input', message: `Terminal ${message.terminalId} is not attached yet.` });
        return;
      }
      sessions.touch(session);
      terminal.write(message.clientId, message.seq, message.data);
    }));

    socket.on('terminal:ack', guard('terminal:ack', (payload) => {
      const message = parse('terminal:ack', terminalAckSchema, payload);
      if (message) acks.get(message.terminalId)?.(message.offset);
    }));

    socket.on('terminal:resize', guard('terminal:resize', async (payload) => {
      const message = parse('terminal:resize', terminalResizeSchema, payload);
      if (!message) return;
      await session.terminals.get(message.terminalId)?.resize(message.cols, message.rows).catch(() => undefined);
    }));

    socket.on('step:check', guard('step:check', async (payload, ack) => {
      const message = parse('step:check', stepCheckSchema, payload, ack);
      if (!message) return;
      const step = deps.findLesson(session.lesson)?.steps.find((candidate) => candidate.id === message.stepId);
      if (!step) {
        const text = `Lesson ${session.lesson} has no step "${message.stepId}".`;
        socket.emit('error:message', { event: 'step:check', message: text });
        return reply(ack, { error: { code: 'bad-request', message: text, retryable: false } });
      }
      sessions.touch(session);
      // Clicking Check again while a check runs waits for that same check.
      const key = `${session.id}/${step.id}`;
      let pending = checksInFlight.get(key);
      if (!pending) {
        pending = deps.runChecks(step, sessions.shellFor(session)).finally(() => checksInFlight.delete(key));
        checksInFlight.set(key, pending);
      }
      const result = await pending;
      if (result.passed) session.passedSteps.add(step.id);
      io.to(session.id).emit('step:result', result);
      reply(ack, { data: result });
    }));

    socket.on('session:keepalive', guard('session:keepalive', (payload, ack) => {
      if (!parse('session:keepalive', keepaliveSchema, payload ?? {}, ack)) return;
      sessions.touch(session);
      const info = session.info(sessions.settings, true);
      io.to(session.id).emit('session:info', info);
      reply(ack, { data: info });
    }));

    socket.on('terminal:open', guard('terminal:open', (payload, ack) => {
      const message = parse('terminal:open', terminalOpenSchema, payload ?? {}, ack);
      if (!message) return;
      const opened = sessions.openTerminal(session, message.name);
      io.to(session.id).emit('terminals:list', session.terminalList());
      reply(ack, { data: opened });
    }));

    socket.on('terminal:rename', guard('terminal:rename', (payload, ack) => {
      const message = parse('terminal:rename', terminalRenameSchema, payload, ack);
      if (!message) return;
      sessions.renameTerminal(session, message.terminalId, message.name);
      io.to(session.id).emit('terminals:list', session.terminalList());
      reply(ack, { data: session.terminalList() });
    }));

    socket.on('terminal:close', guard('terminal:close', (payload, ack) => {
      const message = parse('terminal:close', terminalCloseSchema, payload, ack);
      if (!message) return;
      detachers.get(message.terminalId)?.();
      detachers.delete(message.terminalId);
      acks.delete(message.terminalId);
      sessions.closeTerminal(session, message.terminalId);
      io.to(session.id).emit('terminals:list', session.terminalList());
      reply(ack, { data: session.terminalList() });
    }));

    socket.on('disconnect', () => {
      for (const detach of detachers.values()) detach();
      detachers.clear();
    });
  });
}
