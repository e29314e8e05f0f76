import type { Server, Socket } from 'socket.io';
import type { StepResult } from '../contracts/checker.js';
import type { Lesson, Step } from '../contracts/lesson.js';
import {
  keepaliveSchema,
  lessonReplaySchema,
  stepCheckSchema,
  terminalAckSchema,
  terminalAttachSchema,
  terminalInputSchema,
  terminalResizeSchema,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '../contracts/socket-events.js';
import { terminalCloseSchema, terminalOpenSchema, terminalRenameSchema } from '../contracts/workspace.js';
import type { SandboxShell } from '../checkers/sandbox-shell.js';
import { clientAddress } from '../limits/client-address.js';
import { socketAuthSchema } from '../contracts/session.js';
import type { Logger } from '../log/logger.js';
import { checkAttemptOf, recordCheckAttempt } from '../progress/record-check-attempt.js';
import type { ProgressStore } from '../progress/progress-store.js';
import type { Session } from '../sessions/session.js';
import { toApiError } from '../sessions/session-errors.js';
import type { SessionManager } from '../sessions/session-manager.js';
import type { PassedStepsReplay } from '../sessions/replay-passed-steps.js';
import { TokenBucket } from '../limits/token-bucket.js';
import type { SandboxTerminal, TerminalAttachment } from './sandbox-terminal.js';
import type { OutputChunk } from './scrollback-buffer.js';
import { dropConnection, measureBacklog, SocketBacklog, type ClosableConnection } from './socket-backlog.js';
import { messageParser, reply } from './socket-messages.js';
import { ATTACH_RATE, inputChars, MAX_SOCKETS_PER_SESSION, SocketRateLimit } from './socket-rate-limit.js';

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
  /** Where every check attempt is recorded (absent: nowhere); a failure to record never fails the check. */
  progress?: Pick<ProgressStore, 'recordAttempt'>;
  /** 'lesson:replay' (absent: the server answers that it cannot replay). */
  replay?: PassedStepsReplay;
}

/** The socket.io side: authenticates a page to its session, then carries terminal I/O, checks and session events. */
export function attachSocketGateway(io: GatewayServer, deps: SocketGatewayDeps): void {
  const { sessions, log } = deps;
  const checksInFlight = new Map<string, Promise<StepResult>>();

  const socketsPerAddress = new Map<string, number>();
  const socketsPerSession = new Map<string, number>();
  const release = (counts: Map<string, number>, key: string) => {
    const left = (counts.get(key) ?? 1) - 1;
    if (left > 0) counts.set(key, left);
    else counts.delete(key);
  };
  io.use((socket, next) => {
    // socket.io runs middleware after an await: a polling request can carry a connect and a close in
    // one payload, and then the connection is closed already and would never release a count.
    if (socket.conn.readyState !== 'open') return next(new Error('closed'));
    const auth = socketAuthSchema.safeParse(socket.handshake.auth);
    const session = auth.success ? sessions.authenticate(auth.data.lesson, auth.data.learner) : undefined;
    if (!session) return next(new Error('no-session'));
    const address = clientAddress(socket.request, deps.trustProxyHops);
    const open = socketsPerAddress.get(address) ?? 0;
    if (open >= deps.maxSocketsPerAddress) {
      log.warn('socket.address.limit', { address, open });
      return next(Object.assign(new Error('too-many-connections'), { data: { code: 'rate-limited', message: `Your network address has ${open} open terminal connections, the most this server allows. Close some tabs.` } }));
    }
    const inSession = socketsPerSession.get(session.id) ?? 0;
    if (inSession >= MAX_SOCKETS_PER_SESSION) {
      log.warn('socket.session.limit', { session: session.id, open: inSession });
      return next(
        Object.assign(new Error('too-many-connections'), {
          data: {
            code: 'rate-limited',
            message: `Your sandbox has ${inSession} open connections (tabs, and reconnects whose old connection has not timed out yet), the most it takes. Close some tabs, or try again in a minute.`,
          },
        }),
      );
    }
    socketsPerAddress.set(address, open + 1);
    socketsPerSession.set(session.id, inSession + 1);
    // Released once, on whichever comes first: socket.io does not emit 'disconnect' for a socket it
    // cleans up before its connection completes (the connection closed meanwhile), but the engine.io
    // connection always emits 'close'.
    let counted = true;
    const uncount = () => {
      if (!counted) return;
      counted = false;
      release(socketsPerAddress, address);
      release(socketsPerSession, session.id);
      socket.off('disconnect', uncount);
      socket.conn.off('close', uncount);
    };
    socket.once('disconnect', uncount);
    socket.conn.once('close', uncount);
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
    /** This socket's attachment to each terminal (and the terminal, which a close and reopen may replace). */
    const attachments = new Map<string, { terminal: SandboxTerminal; attachment: TerminalAttachment }>();
    // What the engine holds for this socket and the network has not taken: over its bound, the socket's
    // shells are held whatever it acknowledged, and it is dropped if it stays so (socket-backlog.ts).
    // engine.io's types call its write buffer private; it is the one place the backlog shows.
    const connection = socket.conn as unknown as ClosableConnection;
    const backlog = new SocketBacklog(
      () => measureBacklog(connection),
      (held) => {
        log.warn('socket.backlog.dropped', { session: session.id, packets: held.packets, bytes: held.bytes });
        dropConnection(connection);
      },
    );
    backlog.onDrained(() => {
      for (const { attachment } of attachments.values()) attachment.recheck();
    });
    const checkBacklog = () => backlog.check();
    socket.conn.on('packetCreate', checkBacklog);
    const attachRate = new TokenBucket(ATTACH_RATE.burst, ATTACH_RATE.perSecond);
    void socket.join(session.id);
    socket.emit('session:info', session.info(sessions.settings, true));
    socket.emit('terminals:list', session.terminalList());

    /** Validates a message; a bad one gets an error event (and an error ack) and changes nothing. */
    const parse = messageParser((error) => socket.emit('error:message', error));
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

    /** Refuses a message for now: in its ack when it has one, else in an error event. */
    const refuse = (event: string, ack: unknown, message: string) => {
      if (typeof ack === 'function') reply(ack, { error: { code: 'rate-limited', message, retryable: true } });
      else socket.emit('error:message', { event, message });
    };

    socket.on('terminal:attach', guard('terminal:attach', async (payload, ack) => {
      const message = parse('terminal:attach', terminalAttachSchema, payload, ack);
      if (!message) return;
      // A page attaches each terminal once per connection; each attach replays up to the whole
      // scrollback and may start a shell.
      if (!attachRate.take()) {
        return refuse(
          'terminal:attach',
          ack,
          `Too many terminal:attach messages: at most ${ATTACH_RATE.burst} at once, then ${ATTACH_RATE.perSecond} a second. Wait a moment and attach again.`,
        );
      }
      if (backlog.over) {
        return refuse('terminal:attach', ack, 'Your connection has not taken the output already sent to it. Attach again once it has caught up.');
      }
      const terminal = await sessions.terminal(session, message.terminalId, message);
      if (socket.disconnected) return;
      const previous = attachments.get(message.terminalId);
      let replay: OutputChunk;
      if (previous?.terminal === terminal) {
        // Attached again on this connection: the replay counts on top of what it has not acknowledged.
        replay = previous.attachment.resend(message.since);
      } else {
        previous?.attachment.detach();
        const attachment = terminal.attach(
          message.since,
          (chunk) => socket.emit('terminal:output', { terminalId: message.terminalId, ...chunk }),
          () => {
            // A page that stopped reading (a frozen tab) lets the shell go on: its transport is closed, so
            // it reconnects and re-attaches from its own offset once it runs again.
            log.warn('terminal.reader.stalled', { session: session.id, terminal: message.terminalId });
            dropConnection(connection);
          },
          () => backlog.over,
        );
        attachments.set(message.terminalId, { terminal, attachment });
        replay = attachment.replay;
      }
      if (replay.data) socket.emit('terminal:output', { terminalId: message.terminalId, ...replay });
      // A shell that ended for good starts again when a page attaches (the terminal told the learner to
      // reload); after the replay, as its notice is output that follows it.
      terminal.restartIfEnded();
      await terminal.resize(message.cols, message.rows);
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
      if (message) attachments.get(message.terminalId)?.attachment.ack(message.offset);
    }));

    socket.on('terminal:resize', guard('terminal:resize', async (payload) => {
      const message = parse('terminal:resize', terminalResizeSchema, payload);
      if (!message) return;
      // Coalesced by the terminal: at most a few Docker calls a second, none for an unchanged size.
      await session.terminals.get(message.terminalId)?.resize(message.cols, message.rows);
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
        const started = performance.now();
        pending = deps
          .runChecks(step, sessions.shellFor(session))
          .then(async (result) => {
            const durationMs = Math.round(performance.now() - started);
            if (deps.progress) await recordCheckAttempt(deps.progress, log, checkAttemptOf(session.learnerHash, session.lesson, step, result, durationMs), session.id);
            return result;
          })
          .finally(() => checksInFlight.delete(key));
        checksInFlight.set(key, pending);
      }
      const result = await pending;
      if (result.passed) sessions.markPassed(session, step.id);
      io.to(session.id).emit('step:result', result);
      reply(ack, { data: result });
    }));

    socket.on('lesson:replay', guard('lesson:replay', async (payload, ack) => {
      if (!parse('lesson:replay', lessonReplaySchema, payload ?? {}, ack)) return;
      if (!deps.replay) return reply(ack, { error: { code: 'internal', message: 'This server cannot replay steps.', retryable: false } });
      sessions.touch(session);
      const result = await deps.replay.start(session, {
        progress: (event) => io.to(session.id).emit('replay:progress', event),
        stepResult: (result) => io.to(session.id).emit('step:result', result),
      });
      reply(ack, result);
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
      attachments.get(message.terminalId)?.attachment.detach();
      attachments.delete(message.terminalId);
      sessions.closeTerminal(session, message.terminalId);
      io.to(session.id).emit('terminals:list', session.terminalList());
      reply(ack, { data: session.terminalList() });
    }));

    socket.on('disconnect', () => {
      backlog.close();
      socket.conn.off('packetCreate', checkBacklog);
      for (const { attachment } of attachments.values()) attachment.detach();
      attachments.clear();
    });
  });
}
