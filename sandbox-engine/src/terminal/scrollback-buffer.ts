export interface OutputChunk {
  /** Offset of data's first character in everything the terminal has printed. */
  offset: number;
  data: string;
}

/** The recent output of a terminal, addressed by absolute offsets so a client can ask for "what follows N". */
export class ScrollbackBuffer {
  private text = '';
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
    return this.start + this.text.length;
  }

  append(data: string): OutputChunk {
    const offset = this.end;
    this.text += data;
    if (this.text.length > this.limit) {
      let drop = this.text.length - this.limit;
      // Start the kept output at a line boundary when one is near, so a replay begins cleanly.
      const newline = this.text.indexOf('\n', drop);
      if (newline !== -1 && newline - drop < 4096) drop = newline + 1;
      this.text = this.text.slice(drop);
      this.start += drop;
    }
    return { offset, data };
  }

  /** Everything still held after `offset` (from the oldest held output when offset is older). */
  since(offset: number): OutputChunk {
    const from = Math.min(Math.max(offset, this.start), this.end);
    return { offset: from, data: this.text.slice(from - this.start) };
  }
}
