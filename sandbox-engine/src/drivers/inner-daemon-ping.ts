import net from 'node:net';

/**
 * Where a sandbox's inner daemon listens, seen from the host through its init process's root:
 * /run itself (the image's /var/run is a symlink, and an absolute symlink under /proc/PID/root would
 * resolve on the host). Only read while the sandbox starts, before anything but the engine's own
 * processes (the entrypoint, the main shell it opened) runs in it.
 */
export const innerSocketFromHost = (pid: number) => `/proc/${pid}/root/run/docker.sock`;

/** What one ping found: the daemon answered, or why not (for the error when it never does). */
export type PingResult = { ok: true } | { ok: false; reason: string };

const MAX_ANSWER_BYTES = 4096;

/**
 * `GET /_ping` on a Docker socket (a sandbox's: `innerSocketFromHost`), from the host: no process in
 * the sandbox (a `docker version` there costs ~130 ms of the sandbox's CPU while its daemon
 * starts). The answer is read up to 4 KiB and within `timeoutMs`.
 */
export function pingDaemonSocket(socketPath: string, timeoutMs: number): Promise<PingResult> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ path: socketPath });
    const chunks: Buffer[] = [];
    let bytes = 0;
    const done = (result: PingResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.on('connect', () => socket.end('GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n'));
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_ANSWER_BYTES) return done({ ok: false, reason: 'an answer too long for a ping' });
      chunks.push(chunk);
    });
    socket.on('end', () => done(readPing(Buffer.concat(chunks).toString('latin1'))));
    socket.on('error', (error: NodeJS.ErrnoException) => done({ ok: false, reason: error.code ?? error.message }));
  });
}

/** A daemon's answer to `GET /_ping`: status 200 and the body "OK". */
export function readPing(answer: string): PingResult {
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1];
  const body = answer.split('\r\n\r\n', 2)[1];
  if (status === '200' && body === 'OK') return { ok: true };
  return { ok: false, reason: status ? `status ${status}` : 'not an HTTP answer' };
}
