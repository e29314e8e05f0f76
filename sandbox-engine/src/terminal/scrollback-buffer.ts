export interface OutputChunk {
  /** Offset of data's first character in everything the terminal has printed. */
  offset: number;
  data: string;
}

/** How far past the cut a line start is looked for. */
export const LINE_SEARCH_CHARS = 4096;
/** Small appends are collected and joined into pieces of this many characters, so the piece count stays small. */
const PIECE_CHARS = 4096;

/**
 * The recent output of a terminal, addressed by absolute offsets so a client can ask for "what follows N".
 * Held as a list of flat pieces plus the small appends not joined into one yet: an append costs its own
 * length (and the pieces it pushes out), never a copy or a scan of everything held, which a single string
 * would cost on every chunk once the buffer is full.
 */
export class ScrollbackBuffer {
  private pieces: string[] = [];
  private piecesLength = 0;
  /** Small appends after the pieces, joined into a piece once they make PIECE_CHARS. */
  private tail: string[] = [];
  private tailLength = 0;
  private start = 0;

  /** `initial`: output kept by an earlier engine; its offsets continue. */
  constructor(
    private readonly limit: number,
    initial?: OutputChunk,
  ) {
    if (initial) {
      this.start = initial.offset;
      this.append(initial.data);
    }
  }

  /** Offset just past the last character printed. */
  get end(): number {
    return this.start + this.piecesLength + this.tailLength;
  }

  append(data: string): OutputChunk {
    const offset = this.end;
    if (!data) return { offset, data };
    if (data.length >= PIECE_CHARS) {
      this.joinTail();
      this.pieces.push(data);
      this.piecesLength += data.length;
    } else {
      this.tail.push(data);
      this.tailLength += data.length;
      if (this.tailLength >= PIECE_CHARS) this.joinTail();
    }
    const held = this.piecesLength + this.tailLength;
    if (held > this.limit) this.trim(held - this.limit);
    return { offset, data };
  }

  /** Everything still held after `offset` (from the oldest held output when offset is older). */
  since(offset: number): OutputChunk {
    const from = Math.min(Math.max(offset, this.start), this.end);
    this.joinTail();
    if (this.pieces.length > 1) this.pieces = [this.pieces.join('')];
    return { offset: from, data: (this.pieces[0] ?? '').slice(from - this.start) };
  }

  private joinTail(): void {
    if (this.tail.length === 0) return;
    this.pieces.push(this.tail.length === 1 ? this.tail[0]! : this.tail.join(''));
    this.piecesLength += this.tailLength;
    this.tail = [];
    this.tailLength = 0;
  }

  /** Drops at least `count` characters from the front, up to the next line start when one is near. */
  private trim(count: number): void {
    // Only a buffer smaller than a few pieces cuts into its tail.
    if (this.piecesLength < count + LINE_SEARCH_CHARS) this.joinTail();
    // Start the kept output at a line boundary when one is near, so a replay begins cleanly. Only the
    // next LINE_SEARCH_CHARS are searched: output without newlines must not cost a scan of it all.
    const newline = this.read(count, LINE_SEARCH_CHARS).indexOf('\n');
    let drop = newline === -1 ? count : count + newline + 1;
    this.piecesLength -= drop;
    this.start += drop;
    while (drop > 0) {
      const first = this.pieces[0]!;
      if (first.length <= drop) {
        this.pieces.shift();
        drop -= first.length;
      } else {
        this.pieces[0] = first.slice(drop);
        drop = 0;
      }
    }
  }

  /** Up to `count` characters of the pieces from `from` (relative to the oldest held one). */
  private read(from: number, count: number): string {
    let text = '';
    let at = 0;
    for (const piece of this.pieces) {
      if (text.length >= count) break;
      if (at + piece.length > from) text += piece.slice(Math.max(0, from - at), Math.max(0, from - at) + count - text.length);
      at += piece.length;
    }
    return text;
  }
}
