import { keepaliveSchema } from '../contracts/socket-events.js';
import type { SessionManager } from '../sessions/session-manager.js';
import type { GatewayServer, LearnerConnection } from './learner-socket.js';
import { reply } from './socket-messages.js';

/** Tells a session's pages when it is about to end and when it ended (and then disconnects them). */
export function broadcastSessionEvents(io: GatewayServer, sessions: SessionManager): void {
  sessions.onEvent((event) => {
    if (event.type === 'expiring') io.to(event.session.id).emit('session:expiring', event.payload);
    if (event.type === 'ended') {
      io.to(event.session.id).emit('session:ended', event.payload);
      io.in(event.session.id).disconnectSockets();
    }
  });
}

/** session:keepalive: the learner is there; every page of the session gets the new deadlines. */
export function handleSessionEvents({ io, socket, session, guarded, deps }: LearnerConnection): void {
  const { sessions } = deps;
  socket.on('session:keepalive', guarded.handler('session:keepalive', (payload, ack) => {
    if (!guarded.parse('session:keepalive', keepaliveSchema, payload ?? {}, ack)) return;
    sessions.touch(session);
    const info = session.info(sessions.settings, true);
    io.to(session.id).emit('session:info', info);
    reply(ack, { data: info });
  }));
}
