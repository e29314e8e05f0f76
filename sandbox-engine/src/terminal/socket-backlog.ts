import { OUTPUT_FLOW_LIMITS } from './output-flow.js';

/** What one connection holds that the network has not taken yet. */
export interface Backlog {
  /** Packets waiting in engine.io's write buffer (the transport is not writable, or the client is not polling). */
  packets: number;
  /** Characters of those packets plus bytes the WebSocket has handed to its TCP socket but not written. */
  bytes: number;
}

export interface BacklogLimits {
  /** A connection holding more packets than this is backed up... */
  maxPackets: number;
  /** ...or more characters and bytes than this. */
  maxBytes: number;
  /** It counts as drained again once under half of both. One backed up this long without draining is dropped. */
  stallMs: number;
  /** How often a backed-up connection is measured again. */
  pollMs: number;
}

/**
 * An honest page never gets near these: flow control pauses a shell at 256 Ki characters unacknowledged
 * per terminal, and its transport is writable again as soon as the network takes a write. A client that
 * acknowledges output it never reads (its TCP receive window closed) leaves everything in the engine:
 * 1 MiB or 128 packets (small chunks cost more as objects than as text) is where its shells stop, and
 * after the stall time it is dropped. Memory held per connection: about the bound plus one read of a shell.
 */
export const SOCKET_BACKLOG_LIMITS: BacklogLimits = {
  maxPackets: 128,
  maxBytes: 1024 * 1024,
  stallMs: OUTPUT_FLOW_LIMITS.stallMs,
  pollMs: 100,
};

/** The parts of an engine.io connection (socket.conn) measured; anything else is ignored. */
export interface EngineConnection {
  writeBuffer?: ReadonlyArray<{ data?: unknown }>;
  transport?: { name?: string; socket?: { bufferedAmount?: unknown; terminate?: () => void } };
}

export type ClosableConnection = EngineConnection & { close(discard?: boolean): unknown };

/** Measures a connection's backlog; stops summing sizes once the packet count alone is over `maxPackets`. */
export function measureBacklog(conn: EngineConnection, maxPackets = SOCKET_BACKLOG_LIMITS.maxPackets): Backlog {
  const buffer = conn.writeBuffer ?? [];
  const buffered = conn.transport?.socket?.bufferedAmount;
  let bytes = typeof buffered === 'number' ? buffered : 0;
  if (buffer.length > maxPackets) return { packets: buffer.length, bytes };
  for (const packet of buffer) {
    const data = packet.data;
    if (typeof data === 'string') bytes += data.length;
    else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) bytes += data.byteLength;
  }
  return { packets: buffer.length, bytes };
}

/** Closes a connection at once, dropping what it still holds (a WebSocket is not left to a close handshake). */
export function dropConnection(conn: ClosableConnection): void {
  const ws = conn.transport?.name === 'websocket' ? conn.transport.socket : undefined;
  try {
    // A reset, not a FIN: a client that stopped reading would see a FIN only after everything queued
    // before it, so it would not learn of the drop (ws keeps its TCP socket in `_socket`).
    (ws as { _socket?: { resetAndDestroy?: () => void } } | undefined)?._socket?.resetAndDestroy?.();
    ws?.terminate?.();
  } finally {
    conn.close(true);
  }
}

/**
 * Watches one connection's backlog. `over` tells the flow readers of that connection whether to hold
 * their shells; once it is over, the backlog is polled: drained (under half of both bounds) wakes the
 * readers, still over after `stallMs` drops the connection through `onOverflow`. Transitions out of
 * "over" happen only in the poll, never inside a reader's update.
 */
export class SocketBacklog {
  private overSince: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly drained = new Set<() => void>();

  constructor(
    private readonly measure: () => Backlog,
    private readonly onOverflow: (backlog: Backlog) => void,
    readonly limits: BacklogLimits = SOCKET_BACKLOG_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the connection is backed up (measured now when it was not). */
  get over(): boolean {
    if (this.closed) return false;
    if (this.overSince === undefined && this.exceeds(this.measure())) this.enter();
    return this.overSince !== undefined;
  }

  /** Measures now: a cheap check after each packet the connection is given. */
  check(): void {
    void this.over;
  }

  /** Runs `listener` each time the connection drains after being backed up; returns its removal. */
  onDrained(listener: () => void): () => void {
    this.drained.add(listener);
    return () => this.drained.delete(listener);
  }

  close(): void {
    this.closed = true;
    this.overSince = undefined;
    clearInterval(this.timer);
    this.timer = undefined;
    this.drained.clear();
  }

  private exceeds(backlog: Backlog): boolean {
    return backlog.packets > this.limits.maxPackets || backlog.bytes > this.limits.maxBytes;
  }

  private enter(): void {
    this.overSince = this.now();
    this.timer = setInterval(() => this.poll(), this.limits.pollMs);
    this.timer.unref?.();
  }

  private poll(): void {
    const backlog = this.measure();
    if (backlog.packets <= this.limits.maxPackets / 2 && backlog.bytes <= this.limits.maxBytes / 2) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.overSince = undefined;
      for (const listener of [...this.drained]) listener();
      return;
    }
    if (this.now() - this.overSince! >= this.limits.stallMs) {
      this.close();
      this.onOverflow(backlog);
    }
  }
}
