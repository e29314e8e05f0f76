import { socketAuthSchema } from '../contracts/session.js';
import { clientAddress } from '../limits/client-address.js';
import { handshakeRefusal, openHandshake } from './guarded-socket.js';
import type { LearnerSocket, SocketGatewayDeps } from './learner-socket.js';
import { MAX_SOCKETS_PER_SESSION } from './socket-rate-limit.js';

/**
 * The learners' handshake: a page connects to the session its lesson and learner key name, within
 * the open connections one network address (maxSocketsPerAddress) and one session
 * (MAX_SOCKETS_PER_SESSION) may hold. Counts are released when the connection ends.
 */
export function learnerHandshake(deps: Pick<SocketGatewayDeps, 'sessions' | 'log' | 'trustProxyHops' | 'maxSocketsPerAddress'>) {
  const { sessions, log } = deps;
  const socketsPerAddress = new Map<string, number>();
  const socketsPerSession = new Map<string, number>();
  const release = (counts: Map<string, number>, key: string) => {
    const left = (counts.get(key) ?? 1) - 1;
    if (left > 0) counts.set(key, left);
    else counts.delete(key);
  };

  return openHandshake((socket: LearnerSocket) => {
    const auth = socketAuthSchema.safeParse(socket.handshake.auth);
    const session = auth.success ? sessions.authenticate(auth.data.lesson, auth.data.learner) : undefined;
    if (!session) return new Error('no-session');
    const address = clientAddress(socket.request, deps.trustProxyHops);
    const open = socketsPerAddress.get(address) ?? 0;
    if (open >= deps.maxSocketsPerAddress) {
      log.warn('socket.address.limit', { address, open });
      return handshakeRefusal(
        'rate-limited',
        `Your network address has ${open} open terminal connections, the most this server allows. Close some tabs.`,
        'too-many-connections',
      );
    }
    const inSession = socketsPerSession.get(session.id) ?? 0;
    if (inSession >= MAX_SOCKETS_PER_SESSION) {
      log.warn('socket.session.limit', { session: session.id, open: inSession });
      return handshakeRefusal(
        'rate-limited',
        `Your sandbox has ${inSession} open connections (tabs, and reconnects whose old connection has not timed out yet), the most it takes. Close some tabs, or try again in a minute.`,
        'too-many-connections',
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
    return undefined;
  });
}
