import type { OutputChunk } from './scrollback-buffer.js';

/** How much a watcher may be sent and not acknowledge before it skips output (see observeOutput). */
export const WATCH_MAX_UNACKED = 256 * 1024;

/** A read-only view of a terminal, which never holds the shell (see SandboxTerminal.observe). */
export interface TerminalObservation {
  replay: OutputChunk;
  /** The viewer wrote the output up to `offset`. */
  ack(offset: number): void;
  /** The viewer's connection drained: it may be sent what it missed. */
  recheck(): void;
  detach(): void;
}

/** What an observation reads: the scrollback from an offset, and the output as it comes. */
export interface ObservedOutput {
  since(offset: number): OutputChunk;
  /** Returns the unsubscription. */
  subscribe(listener: (chunk: OutputChunk) => void): () => void;
}

export interface ObservationOptions {
  since: number;
  listener: (chunk: OutputChunk) => void;
  /** Whether the viewer's connection is backed up: it is then sent nothing. */
  backlogged: () => boolean;
  maxUnacked: number;
}

/**
 * A read-only view (an instructor watching) that never holds the shell: output the viewer has no
 * room for (more than `maxUnacked` unacknowledged, or its connection backed up) is skipped, and once
 * it has room again it is sent what the scrollback still holds from where it left off (a later
 * offset when the gap outgrew the scrollback). The learner's shell runs at the learner's pace only.
 */
export function observeOutput(output: ObservedOutput, { since, listener, backlogged, maxUnacked }: ObservationOptions): TerminalObservation {
  const replay = output.since(since);
  let sentEnd = replay.offset + replay.data.length;
  let ackedEnd = replay.offset;
  let behind = false;
  const hasRoom = () => sentEnd - ackedEnd <= maxUnacked && !backlogged();
  const catchUp = () => {
    if (!behind || !hasRoom()) return;
    behind = false;
    const missed = output.since(sentEnd);
    if (missed.data.length === 0) return;
    // Counted as acknowledged up to where the gap began: the view owes acks only for what it is sent.
    ackedEnd = Math.max(ackedEnd, missed.offset - (sentEnd - ackedEnd));
    sentEnd = missed.offset + missed.data.length;
    listener(missed);
  };
  const unsubscribe = output.subscribe((chunk) => {
    if (behind || !hasRoom()) {
      behind = true;
      return;
    }
    sentEnd = chunk.offset + chunk.data.length;
    listener(chunk);
  });
  return {
    replay,
    ack: (offset) => {
      ackedEnd = Math.max(ackedEnd, Math.min(offset, sentEnd));
      catchUp();
    },
    recheck: catchUp,
    detach: unsubscribe,
  };
}
