import { toApiError } from '../sessions/session-errors.js';
import { guardSocket } from './guarded-socket.js';
import { learnerHandshake } from './learner-handshake.js';
import type { GatewayServer, LearnerSocket, SocketGatewayDeps } from './learner-socket.js';
import { handleCheckEvents, type ChecksInFlight } from './socket-check-events.js';
import { inputChars } from './socket-rate-limit.js';
import { broadcastSessionEvents, handleSessionEvents } from './socket-session-events.js';
import { handleTabEvents } from './socket-tab-events.js';
import { handleTerminalEvents } from './socket-terminal-events.js';

export type { GatewayServer, SocketGatewayDeps } from './learner-socket.js';

/**
 * The socket.io side of a learner's page: authenticates it to its session (learner-handshake.ts),
 * guards the socket (guarded-socket.ts), then carries terminal I/O, terminal tabs, checks and
 * session events, each group in a module of its own.
 */
export function attachSocketGateway(io: GatewayServer, deps: SocketGatewayDeps): void {
  const { sessions, log } = deps;
  const checksInFlight: ChecksInFlight = new Map();
  io.use(learnerHandshake(deps));
  broadcastSessionEvents(io, sessions);

  io.on('connection', (socket: LearnerSocket) => {
    const session = socket.data.session;
    const guarded = guardSocket(socket, {
      emitError: (error) => socket.emit('error:message', error),
      rateLimitMessage: 'Too many messages: slow down. Some of what you sent was dropped.',
      // Terminal input also costs its length.
      inputChars,
      onFlood: () => log.warn('socket.flood.disconnected', { session: session.id }),
      onBacklogDropped: (held) => log.warn('socket.backlog.dropped', { session: session.id, packets: held.packets, bytes: held.bytes }),
      onHandlerFailed: (event, error) => {
        log.error('socket.handler.failed', { event, session: session.id, error });
        socket.emit('error:message', { event, message: toApiError(error).message });
      },
    });
    void socket.join(session.id);
    socket.emit('session:info', session.info(sessions.settings, true));
    socket.emit('terminals:list', session.terminalList());

    const connection = { io, socket, session, guarded, deps };
    const attachments = handleTerminalEvents(connection);
    handleTabEvents(connection, attachments);
    handleCheckEvents(connection, checksInFlight);
    handleSessionEvents(connection);
  });
}
