import type { Socket } from 'socket.io';
import type { ApiErrorCode } from '../contracts/session.js';
import type { SocketErrorMessage } from '../contracts/socket-events.js';
import { toApiError } from '../sessions/session-errors.js';
import { dropConnection, measureBacklog, SocketBacklog, type Backlog, type ClosableConnection } from './socket-backlog.js';
import { messageParser, reply } from './socket-messages.js';
import { SocketRateLimit } from './socket-rate-limit.js';

/** The parts of a socket.io socket (of either gateway's event types) that the guard uses. */
export interface GuardableSocket {
  conn: Socket['conn'];
  use(fn: (event: [string, ...unknown[]], next: (error?: Error) => void) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
  disconnect(close?: boolean): unknown;
}

export interface SocketGuardOptions {
  /** Sends the socket an 'error:message' event. */
  emitError(error: SocketErrorMessage): void;
  /** The text a page is told (at most once a second) when messages of it are dropped over the rate limits. */
  rateLimitMessage: string;
  /** Characters of terminal input a message carries (socket-rate-limit.ts inputChars); absent: none. */
  inputChars?: (event: string, payload: unknown) => number;
  /** The socket flooded past the limits for long: called before it is disconnected. */
  onFlood?: () => void;
  /** The connection is dropped for holding more than its backlog bound too long (log it here). */
  onBacklogDropped(held: Backlog): void;
  /** A handler failed: log it, tell the page; its ack (if any) is answered with the error after this. */
  onHandlerFailed(event: string, error: unknown): void;
}

export type SocketHandler = (payload: unknown, ack?: unknown) => Promise<void> | void;

/** One socket behind the guard (see guardSocket). */
export interface GuardedSocket {
  /** What the engine holds for this socket that the network has not taken (socket-backlog.ts). */
  readonly backlog: SocketBacklog;
  /** Validates a message: a bad one gets an error event (and an error ack) and yields undefined. */
  readonly parse: ReturnType<typeof messageParser>;
  /** A listener that runs `handler` so that no failure can escape into the process. */
  handler(event: string, handler: SocketHandler): (payload: unknown, ack?: unknown) => void;
  /** Closes the connection at once, dropping what it still holds. */
  drop(): void;
}

/**
 * What both gateways (learners' and instructors') put around each socket they accept: every message
 * costs a token of its rate limits, and one over them is dropped before any handler (a socket that
 * keeps flooding is disconnected); the connection's backlog is watched and a connection that does not
 * take its output is dropped; messages are parsed with zod; a handler's failure is answered, never thrown.
 * Released when the socket disconnects.
 */
export function guardSocket(socket: GuardableSocket, options: SocketGuardOptions): GuardedSocket {
  // engine.io's types call its write buffer private; it is the one place the backlog shows.
  const connection = socket.conn as unknown as ClosableConnection;
  const backlog = new SocketBacklog(
    () => measureBacklog(connection),
    (held) => {
      options.onBacklogDropped(held);
      dropConnection(connection);
    },
  );
  const checkBacklog = () => backlog.check();
  socket.conn.on('packetCreate', checkBacklog);
  socket.on('disconnect', () => {
    backlog.close();
    socket.conn.off('packetCreate', checkBacklog);
  });

  const limit = new SocketRateLimit();
  socket.use(([event, ...args], next) => {
    const verdict = limit.check(options.inputChars?.(event, args[0]) ?? 0);
    if (verdict === 'pass') return next();
    const message = options.rateLimitMessage;
    if (verdict === 'drop-and-notify') options.emitError({ event: String(event).slice(0, 64), message });
    // socket.io hands an ack over as the last argument.
    reply(args.at(-1), { error: { code: 'rate-limited', message, retryable: true } });
    if (verdict !== 'disconnect') return;
    options.onFlood?.();
    socket.disconnect(true);
  });

  return {
    backlog,
    parse: messageParser(options.emitError),
    handler: (event, handler) => (payload, ack) => {
      Promise.resolve()
        .then(() => handler(payload, ack))
        .catch((error: unknown) => {
          options.onHandlerFailed(event, error);
          reply(ack, { error: toApiError(error) });
        });
    },
    drop: () => dropConnection(connection),
  };
}

/** A handshake refusal the page reads: `message` is shown to the user, `code` is an ApiErrorCode. */
export function handshakeRefusal(code: ApiErrorCode, message: string, name: string = code): Error {
  return Object.assign(new Error(name), { data: { code, message } });
}

/**
 * A handshake middleware of either gateway: refuses a connection that closed meanwhile, then lets
 * `admit` decide (an Error refuses, undefined lets the socket in).
 */
export function openHandshake<S extends { conn: { readyState: string } }>(admit: (socket: S) => Error | undefined) {
  return (socket: S, next: (error?: Error) => void): void => {
    // socket.io runs middleware after an await: a polling request can carry a connect and a close in
    // one payload, and then the connection is closed already and would never release what `admit` takes.
    if (socket.conn.readyState !== 'open') return next(new Error('closed'));
    next(admit(socket));
  };
}
