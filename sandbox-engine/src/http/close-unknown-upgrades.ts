import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

const NOT_FOUND = 'HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/**
 * Answers every WebSocket upgrade that is not socket.io's (under `socketIoPath`) with a 404 and
 * closes the connection at once. Socket.io runs with `destroyUpgrade: false` and ignores other
 * paths, and Node keeps an upgrade nobody answers open, so without this each such request would hold
 * a socket until the client gives up.
 */
export function closeUnknownUpgrades(server: Server, socketIoPath = '/socket.io/'): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    if ((req.url ?? '').startsWith(socketIoPath)) return;
    socket.on('error', () => socket.destroy());
    socket.end(NOT_FOUND, () => socket.destroy());
    setTimeout(() => socket.destroy(), 1000).unref();
  });
}
