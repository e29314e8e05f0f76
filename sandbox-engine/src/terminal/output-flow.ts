/**
 * Flow control of one shell's output, shared by every page attached to it: xterm.js's watermark
 * approach (https://xtermjs.org/docs/guides/flowcontrol/) with the page's write callbacks coming
 * back over the network as acks. Each reader (one page's attachment) counts characters sent but not
 * yet acknowledged; the shell's stream is paused while any reader holds more than `high` and resumed
 * once every reader is under `low`. A reader that keeps the shell paused without acknowledging
 * anything for `stallMs` (a frozen or throttled tab) is dropped, so it cannot hold the shell forever:
 * its page re-attaches from its own offset and gets the tail from the scrollback.
 *
 * Acks are the page's word, and a script can acknowledge output it never read. So a reader can also
 * say that its transport is backed up (socket-backlog.ts: the engine's own count of what it has not
 * written to the network yet); such a reader holds the shell as if it were over the high mark, whatever
 * it acknowledged, until its transport drains.
 */
export interface FlowLimits {
  /** Unacknowledged characters at which a reader pauses the shell. */
  high: number;
  /** The shell resumes once every reader is under this. */
  low: number;
  /** A reader that holds the shell paused this long without acknowledging anything is dropped. */
  stallMs: number;
}

/**
 * 256 Ki characters in flight covers several round trips of a fast terminal (xterm's DOM renderer
 * writes a few MB/s at best; 256 KiB per 50 ms ack interval is 5 MB/s) and equals the scrollback a
 * re-attaching page is replayed, so a replay alone never stalls. 64 Ki of hysteresis keeps the page
 * busy while the shell refills the window, without pausing and resuming on every ack. The engine
 * holds at most `high` plus one chunk per reader: 8 sandboxes × 6 terminals × a page each ≈ 15 MiB.
 */
export const OUTPUT_FLOW_LIMITS: FlowLimits = { high: 256 * 1024, low: 64 * 1024, stallMs: 10_000 };

export interface FlowValve {
  pause(): void;
  resume(): void;
}

export class OutputFlow {
  private readonly readers = new Set<FlowReader>();
  private pausedNow = false;

  constructor(
    private readonly valve: FlowValve,
    readonly limits: FlowLimits = OUTPUT_FLOW_LIMITS,
  ) {}

  /** Whether the shell is held: a new stream of the same terminal starts paused too. */
  get paused(): boolean {
    return this.pausedNow;
  }

  /**
   * Starts counting for a page that already holds the output before `held`; `onStall` runs once if it
   * is dropped. `backlogged`: whether the page's transport holds more than it may (asked on each update).
   */
  add(held: number, onStall: () => void, backlogged: () => boolean = () => false): FlowReader {
    const reader = new FlowReader(this, held, onStall, backlogged);
    this.readers.add(reader);
    return reader;
  }

  /** Drops every reader (the terminal closed). */
  close(): void {
    for (const reader of this.readers) reader.remove();
  }

  /** @internal */
  forget(reader: FlowReader): void {
    this.readers.delete(reader);
    this.update();
  }

  /** @internal Pauses or resumes the shell, and arms the stall timer of each reader holding it. */
  update(): void {
    const { high, low } = this.limits;
    let over = false;
    let allUnder = true;
    for (const reader of this.readers) {
      const backlogged = reader.backlogged();
      if (reader.unacked > high || backlogged) over = true;
      if (reader.unacked >= low || backlogged) allUnder = false;
    }
    if (!this.pausedNow && over) {
      this.pausedNow = true;
      this.valve.pause();
    } else if (this.pausedNow && allUnder) {
      this.pausedNow = false;
      this.valve.resume();
    }
    for (const reader of this.readers) reader.watch(this.pausedNow && reader.unacked >= low);
  }
}

/** One page's attachment to a shell, as flow control sees it. */
export class FlowReader {
  private sentEnd: number;
  private ackedEnd: number;
  private stallTimer: NodeJS.Timeout | undefined;
  private removed = false;

  constructor(
    private readonly flow: OutputFlow,
    held: number,
    private readonly onStall: () => void,
    /** @internal Whether this page's transport is backed up: it then holds the shell like a reader over the high mark. */
    readonly backlogged: () => boolean,
  ) {
    this.sentEnd = held;
    this.ackedEnd = held;
  }

  /** Characters sent to the page and not acknowledged yet. */
  get unacked(): number {
    return this.sentEnd - this.ackedEnd;
  }

  /** Output up to offset `end` was sent to the page. */
  sent(end: number): void {
    if (this.removed || end <= this.sentEnd) return;
    this.sentEnd = end;
    this.flow.update();
  }

  /** The page wrote the output up to `offset` (never counted past what it was sent). */
  ack(offset: number): void {
    const acked = Math.min(offset, this.sentEnd);
    if (this.removed || acked <= this.ackedEnd) return;
    this.ackedEnd = acked;
    // Progress: a reader still holding the shell gets a full stall period again.
    this.clearTimer();
    this.flow.update();
  }

  /**
   * The page is sent the output from `offset` again (it re-attached on the same connection): what it
   * was sent and has not acknowledged still counts, so re-attaching neither empties the window nor
   * restarts the stall timer. Follow with `sent(end)` for the replay.
   */
  restart(offset: number): void {
    if (this.removed) return;
    const carried = this.unacked;
    this.sentEnd = offset;
    this.ackedEnd = offset - carried;
  }

  /** Its transport drained: the shell may resume. */
  recheck(): void {
    if (!this.removed) this.flow.update();
  }

  remove(): void {
    if (this.removed) return;
    this.removed = true;
    this.clearTimer();
    this.flow.forget(this);
  }

  /** @internal Runs the stall timer while this reader holds the shell paused. */
  watch(holding: boolean): void {
    if (!holding) return this.clearTimer();
    if (this.stallTimer) return;
    this.stallTimer = setTimeout(() => {
      this.stallTimer = undefined;
      this.remove();
      this.onStall();
    }, this.flow.limits.stallMs);
    this.stallTimer.unref?.();
  }

  private clearTimer(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  }
}
