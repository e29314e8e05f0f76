import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SocketErrorMessage } from '../contracts/socket-events.js';
import { SessionError } from '../sessions/session-errors.js';
import { guardSocket, openHandshake, type GuardableSocket, type SocketGuardOptions } from './guarded-socket.js';
import { SOCKET_BACKLOG_LIMITS } from './socket-backlog.js';
import { inputChars, SOCKET_RATE_LIMITS } from './socket-rate-limit.js';

type Middleware = Parameters<GuardableSocket['use']>[0];

/** A socket.io socket as far as the guard sees it: its engine.io connection, middleware and disconnect. */
function fakeSocket() {
  const conn = Object.assign(new EventEmitter(), {
    writeBuffer: [] as { data?: unknown }[],
    transport: { name: 'polling' },
    close: vi.fn(),
  });
  const events = new EventEmitter();
  const middleware: Middleware[] = [];
  const socket = {
    conn,
    use: (fn: Middleware) => middleware.push(fn),
    on: (event: 'disconnect', listener: () => void) => events.on(event, listener),
    disconnect: vi.fn(() => events.emit('disconnect')),
  };
  /** Runs one incoming message through the middleware: whether it reached the handlers. */
  const receive = (event: string, ...args: unknown[]) => {
    let passed = false;
    for (const fn of middleware) fn([event, ...args], () => (passed = true));
    return passed;
  };
  return { conn, socket: socket as unknown as GuardableSocket, disconnect: socket.disconnect, receive };
}

function guard(overrides: Partial<SocketGuardOptions> = {}) {
  const fake = fakeSocket();
  const errors: SocketErrorMessage[] = [];
  const options = {
    emitError: (error: SocketErrorMessage) => errors.push(error),
    rateLimitMessage: 'slow down',
    onBacklogDropped: vi.fn(),
    onHandlerFailed: vi.fn(),
    ...overrides,
  };
  return { ...fake, errors, options, guarded: guardSocket(fake.socket, options) };
}

describe('guardSocket', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('drops messages over the rate limit: notifies at most once a second, answers each ack, disconnects a lasting flood', () => {
    const onFlood = vi.fn();
    const { receive, errors, disconnect } = guard({ onFlood });
    for (let i = 0; i < SOCKET_RATE_LIMITS.eventBurst; i++) expect(receive('terminal:ack', {})).toBe(true);
    const ack = vi.fn();
    expect(receive('x'.repeat(100), {}, ack)).toBe(false);
    expect(receive('terminal:ack', {})).toBe(false);
    expect(errors).toEqual([{ event: 'x'.repeat(64), message: 'slow down' }]);
    expect(ack).toHaveBeenCalledWith({ error: { code: 'rate-limited', message: 'slow down', retryable: true } });
    // Flooding on, never a quiet second, most dropped: disconnected.
    for (let ms = 0; ms <= SOCKET_RATE_LIMITS.floodMs && disconnect.mock.calls.length === 0; ms += 100) {
      vi.advanceTimersByTime(100);
      for (let i = 0; i < 100 && disconnect.mock.calls.length === 0; i++) receive('terminal:ack', {});
    }
    expect(onFlood).toHaveBeenCalledOnce();
    expect(disconnect).toHaveBeenCalledWith(true);
  });

  it('counts terminal input by its length when told how', () => {
    const counted = guard({ inputChars });
    const data = 'x'.repeat(SOCKET_RATE_LIMITS.inputBurstChars);
    expect(counted.receive('terminal:input', { data })).toBe(true);
    expect(counted.receive('terminal:input', { data: 'y'.repeat(1024) })).toBe(false);
    const uncounted = guard();
    expect(uncounted.receive('terminal:input', { data })).toBe(true);
    expect(uncounted.receive('terminal:input', { data })).toBe(true);
  });

  it("answers a failed handler's ack with the error, after telling the gateway", async () => {
    const { guarded, options } = guard();
    const ack = vi.fn();
    guarded.handler('watch:start', () => {
      throw new SessionError('not-found', 'There is no such class.');
    })({}, ack);
    await vi.waitFor(() => expect(ack).toHaveBeenCalled());
    expect(options.onHandlerFailed).toHaveBeenCalledWith('watch:start', expect.any(SessionError));
    expect(ack).toHaveBeenCalledWith({ error: { code: 'not-found', message: 'There is no such class.', retryable: false } });
    guarded.handler('step:check', async () => Promise.reject(new Error('boom')))({});
    await vi.waitFor(() => expect(options.onHandlerFailed).toHaveBeenCalledTimes(2));
  });

  it('drops a connection that stays backed up, and stops watching once the socket disconnects', () => {
    const { conn, guarded, options, disconnect } = guard();
    conn.writeBuffer.push(...Array.from({ length: SOCKET_BACKLOG_LIMITS.maxPackets + 1 }, () => ({ data: 'x' })));
    conn.emit('packetCreate');
    expect(guarded.backlog.over).toBe(true);
    vi.advanceTimersByTime(SOCKET_BACKLOG_LIMITS.stallMs + SOCKET_BACKLOG_LIMITS.pollMs);
    expect(options.onBacklogDropped).toHaveBeenCalledWith({ packets: SOCKET_BACKLOG_LIMITS.maxPackets + 1, bytes: 0 });
    expect(conn.close).toHaveBeenCalledWith(true);

    const other = guard();
    disconnect.mockClear();
    other.disconnect();
    expect(other.conn.listenerCount('packetCreate')).toBe(0);
    expect(other.guarded.backlog.over).toBe(false);
  });
});

describe('openHandshake', () => {
  it('refuses a connection closed meanwhile before asking admit, and passes on what admit says', () => {
    const admit = vi.fn((socket: { conn: { readyState: string }; refuse?: Error }) => socket.refuse);
    const middleware = openHandshake(admit);
    const next = vi.fn();
    middleware({ conn: { readyState: 'closed' } }, next);
    expect(next).toHaveBeenLastCalledWith(new Error('closed'));
    expect(admit).not.toHaveBeenCalled();
    const refusal = new Error('no-session');
    middleware({ conn: { readyState: 'open' }, refuse: refusal }, next);
    expect(next).toHaveBeenLastCalledWith(refusal);
    middleware({ conn: { readyState: 'open' } }, next);
    expect(next).toHaveBeenLastCalledWith(undefined);
  });
});
