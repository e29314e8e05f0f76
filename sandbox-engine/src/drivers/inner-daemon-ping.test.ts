import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { innerSocketFromHost, pingDaemonSocket, readPing } from './inner-daemon-ping.js';

describe('readPing', () => {
  it('takes status 200 with the body OK, and nothing else', () => {
    expect(readPing('HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK')).toEqual({ ok: true });
    expect(readPing('HTTP/1.0 200 OK\r\n\r\nOK')).toEqual({ ok: true });
    expect(readPing('HTTP/1.1 500 Internal Server Error\r\n\r\nOK')).toEqual({ ok: false, reason: 'status 500' });
    expect(readPing('HTTP/1.1 200 OK\r\n\r\nnot ok')).toMatchObject({ ok: false });
    expect(readPing('SSH-2.0-OpenSSH\r\n')).toEqual({ ok: false, reason: 'not an HTTP answer' });
    expect(readPing('')).toMatchObject({ ok: false });
  });

  it('looks for the socket in /run of the process\'s root, not through /var/run (a symlink there would resolve on the host)', () => {
    expect(innerSocketFromHost(1234)).toBe('/proc/1234/root/run/docker.sock');
  });
});

describe('pingDaemonSocket against real unix sockets', () => {
  let dir = '';
  let server: net.Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const serve = async (onConnection: (socket: net.Socket) => void) => {
    dir = mkdtempSync(path.join(tmpdir(), 'ping-'));
    const socketPath = path.join(dir, 'docker.sock');
    server = net.createServer((socket) => {
      // The ping hangs up on a flood: the server's writes then fail, as a daemon's would.
      socket.on('error', () => undefined);
      onConnection(socket);
    });
    await new Promise<void>((resolve) => server!.listen(socketPath, resolve));
    return socketPath;
  };

  it('is ok when a daemon answers, and says why not when it does not (yet)', async () => {
    const answering = await serve((socket) => socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK')));
    expect(await pingDaemonSocket(answering, 1000)).toEqual({ ok: true });
    expect(await pingDaemonSocket(path.join(dir, 'missing.sock'), 1000)).toEqual({ ok: false, reason: 'ENOENT' });
  });

  it('gives up on a socket that never answers, and on one that answers far too much', async () => {
    const silent = await serve(() => undefined);
    expect(await pingDaemonSocket(silent, 200)).toEqual({ ok: false, reason: 'no answer within 200 ms' });
    server!.close();
    rmSync(dir, { recursive: true, force: true });
    const flooding = await serve((socket) => socket.once('data', () => socket.end(`HTTP/1.1 200 OK\r\n\r\n${'x'.repeat(1 << 20)}`)));
    expect(await pingDaemonSocket(flooding, 2000)).toEqual({ ok: false, reason: 'an answer too long for a ping' });
  });

  it('reaches a daemon through a process\'s root (/proc/<pid>/root/…), as it reaches a sandbox\'s', async () => {
    const answering = await serve((socket) => socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK')));
    expect(await pingDaemonSocket(`/proc/${process.pid}/root${answering}`, 1000)).toEqual({ ok: true });
  });
});
