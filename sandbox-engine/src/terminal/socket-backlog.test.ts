import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { dropConnection, measureBacklog, SocketBacklog, type Backlog } from './socket-backlog.js';

const limits = { maxPackets: 10, maxBytes: 1000, stallMs: 1000, pollMs: 100 };

describe('measureBacklog', () => {
  it("adds the write buffer's packets to what the WebSocket has not written", () => {
    const conn = {
      writeBuffer: [{ data: 'x'.repeat(300) }, { data: Buffer.alloc(200) }, {}],
      transport: { name: 'websocket', socket: { bufferedAmount: 50 } },
    };
    expect(measureBacklog(conn)).toEqual({ packets: 3, bytes: 550 });
    expect(measureBacklog({ writeBuffer: [], transport: { name: 'polling' } })).toEqual({ packets: 0, bytes: 0 });
  });

  it('stops summing once the packet count alone is over', () => {
    const writeBuffer = Array.from({ length: 100_000 }, () => ({ data: 'y' }));
    expect(measureBacklog({ writeBuffer }, 128)).toEqual({ packets: 100_000, bytes: 0 });
  });
});

describe('dropConnection', () => {
  it('terminates a WebSocket at once and closes the connection', () => {
    const calls: string[] = [];
    dropConnection({
      transport: { name: 'websocket', socket: { terminate: () => calls.push('terminate') } },
      close: (discard) => calls.push(`close ${discard}`),
    });
    dropConnection({ transport: { name: 'polling' }, close: () => calls.push('close polling') });
    expect(calls).toEqual(['terminate', 'close true', 'close polling']);
  });
});

describe('SocketBacklog', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup() {
    const held: Backlog = { packets: 0, bytes: 0 };
    const dropped: Backlog[] = [];
    const backlog = new SocketBacklog(() => ({ ...held }), (at) => dropped.push(at), limits);
    return { held, dropped, backlog };
  }

  it('is over past either bound, and drains only under half of both', () => {
    const { held, backlog } = setup();
    const drained: number[] = [];
    backlog.onDrained(() => drained.push(Date.now()));
    expect(backlog.over).toBe(false);
    held.packets = 11;
    expect(backlog.over).toBe(true);
    held.packets = 6;
    vi.advanceTimersByTime(300);
    expect(backlog.over).toBe(true);
    held.packets = 5;
    held.bytes = 600;
    vi.advanceTimersByTime(100);
    expect(backlog.over).toBe(true);
    held.bytes = 500;
    vi.advanceTimersByTime(100);
    expect(backlog.over).toBe(false);
    expect(drained).toHaveLength(1);
    held.bytes = 1001;
    expect(backlog.over).toBe(true);
  });

  it('drops a connection that stays backed up for the stall time, once', () => {
    const { held, dropped, backlog } = setup();
    held.bytes = 5000;
    backlog.check();
    vi.advanceTimersByTime(900);
    expect(dropped).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(dropped).toEqual([{ packets: 0, bytes: 5000 }]);
    vi.advanceTimersByTime(5000);
    expect(dropped).toHaveLength(1);
    expect(backlog.over).toBe(false);
  });

  it('starts the stall time again after a drain', () => {
    const { held, dropped, backlog } = setup();
    held.packets = 50;
    backlog.check();
    vi.advanceTimersByTime(800);
    held.packets = 0;
    vi.advanceTimersByTime(100);
    held.packets = 50;
    backlog.check();
    vi.advanceTimersByTime(900);
    expect(dropped).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(dropped).toHaveLength(1);
  });

  it('stops watching once closed', () => {
    const { held, dropped, backlog } = setup();
    held.packets = 50;
    backlog.check();
    backlog.close();
    vi.advanceTimersByTime(5000);
    expect(dropped).toEqual([]);
    expect(backlog.over).toBe(false);
  });
});
