import { StringDecoder } from 'node:string_decoder';
import type { ShellStream } from '../drivers/sandbox-driver.js';
import type { Logger } from '../log/logger.js';
import { ScrollbackBuffer, type OutputChunk } from './scrollback-buffer.js';
import { OutputFlow } from './output-flow.js';
import type { OutputRecorder } from './terminal-journal.js';

export type OpenShell = (size: { cols: number; rows: number }) => Promise<ShellStream>;
export type OutputListener = (chunk: OutputChunk) => void;

const RESPAWN_LIMIT_PER_MINUTE = 5;

/**
 * One shell in a sandbox, shared by every page attached to it: keeps recent output for
 * reconnects, and takes each client's input once (by sequence number).
 */
export class SandboxTerminal {
  private readonly buffer: ScrollbackBuffer;
  private readonly listeners = new Set<OutputListener>();
  private readonly lastSeq = new Map<string, number>();
  private shell: ShellStream | undefined;
  private pendingInput: string[] = [];
  private size = { cols: 80, rows: 24 };
  private closed = false;
  private respawns: number[] = [];
  /** Pauses the shell while a page has too much output unacknowledged. */
  private readonly flow = new OutputFlow({ pause: () => this.shell?.stream.pause(), resume: () => this.shell?.stream.resume() });

  constructor(
    readonly id: string,
    private readonly openShell: OpenShell,
    scrollbackChars: number,
    private readonly log: Logger,
    /** Saves the output for the next engine, and gives back what the last one saved. */
    private readonly recorder?: OutputRecorder,
  ) {
    this.buffer = new ScrollbackBuffer(scrollbackChars, recorder?.initial);
  }

  async start(size = this.size): Promise<void> {
    this.size = size;
    const shell = await this.openShell(size);
    if (this.closed) {
      shell.stream.destroy();
      return;
    }
    this.shell = shell;
    const decoder = new StringDecoder('utf8');
    shell.stream.on('data', (chunk: Buffer) => this.print(decoder.write(chunk)));
    if (this.flow.paused) shell.stream.pause();
    let ended = false;
    const onEnd = () => {
      if (ended) return;
      ended = true;
      this.shell = undefined;
      if (!this.closed) this.respawn();
    };
    shell.stream.on('end', onEnd);
    shell.stream.on('close', onEnd);
    shell.stream.on('error', (error: Error) => {
      this.log.warn('terminal.stream.error', { terminal: this.id, error });
      onEnd();
    });
    for (const data of this.pendingInput.splice(0)) shell.stream.write(data);
  }

  private respawn(): void {
    const now = Date.now();
    this.respawns = this.respawns.filter((at) => now - at < 60_000);
    if (this.respawns.length >= RESPAWN_LIMIT_PER_MINUTE) {
      this.print('\r\n\x1b[33m[The shell keeps ending. Reload the page to start a new one.]\x1b[0m\r\n');
      return;
    }
    this.respawns.push(now);
    this.print('\r\n\x1b[33m[The shell ended. Starting a new one…]\x1b[0m\r\n');
    setTimeout(() => {
      this.start().catch((error) => {
        this.log.warn('terminal.respawn.failed', { terminal: this.id, error });
        this.print('\r\n\x1b[31m[Could not start a new shell: the sandbox may have stopped.]\x1b[0m\r\n');
      });
    }, 300);
  }

  /** Adds output (from the shell or an engine notice) and hands it to every attached page. */
  print(data: string): void {
    if (!data) return;
    const chunk = this.buffer.append(data);
    this.recorder?.record(chunk);
    for (const listener of this.listeners) listener(chunk);
  }

  /**
   * What the page missed since `since`, and a subscription to what follows; atomic, so nothing is
   * sent twice. The page acknowledges what it wrote with `ack`; one that holds the shell paused
   * without acknowledging for too long is detached, and told through `onStall`.
   */
  attach(
    since: number,
    listener: OutputListener,
    onStall: () => void = () => undefined,
  ): { replay: OutputChunk; detach: () => void; ack: (offset: number) => void } {
    const replay = this.buffer.since(since);
    const reader = this.flow.add(replay.offset, () => {
      this.listeners.delete(send);
      onStall();
    });
    const send: OutputListener = (chunk) => {
      listener(chunk);
      reader.sent(chunk.offset + chunk.data.length);
    };
    reader.sent(replay.offset + replay.data.length);
    this.listeners.add(send);
    const detach = () => {
      this.listeners.delete(send);
      reader.remove();
    };
    return { replay, detach, ack: (offset) => reader.ack(offset) };
  }

  /** Sends input to the shell unless this client's message with this seq was already taken. */
  write(clientId: string, seq: number, data: string): boolean {
    const last = this.lastSeq.get(clientId);
    if (last !== undefined && seq <= last) return false;
    this.lastSeq.set(clientId, seq);
    if (this.lastSeq.size > 200) this.lastSeq.delete(this.lastSeq.keys().next().value as string);
    if (this.shell) this.shell.stream.write(data);
    else this.pendingInput.push(data);
    return true;
  }

  async resize(cols: number, rows: number): Promise<void> {
    this.size = { cols, rows };
    await this.shell?.resize(cols, rows);
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
    this.flow.close();
    this.shell?.stream.destroy();
    this.shell = undefined;
  }
}
