import { Writable } from 'node:stream';

/**
 * Keeps the last `keepBytes` of a command's output stream, in chunks (no copy of what it keeps per
 * write), and counts everything: past `maxBytes` in all it calls `onFlood` once and takes no more.
 * A learner controls every binary in their sandbox, so whatever the engine runs there may print
 * without end: a string re-copied on each chunk held the engine's thread for seconds.
 */
export class BoundedOutput extends Writable {
  private chunks: Buffer[] = [];
  private kept = 0;
  /** Every byte written, kept or not. */
  total = 0;
  private flooded = false;

  constructor(
    private readonly keepBytes: number,
    private readonly maxBytes: number,
    private readonly onFlood: (total: number) => void,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.total += chunk.length;
    if (this.flooded) return done();
    this.chunks.push(chunk);
    this.kept += chunk.length;
    while (this.chunks.length > 1 && this.kept - this.chunks[0]!.length >= this.keepBytes) this.kept -= this.chunks.shift()!.length;
    if (this.total > this.maxBytes) {
      this.flooded = true;
      this.onFlood(this.total);
    }
    done();
  }

  /** The kept tail as text (at most `keepBytes` of it; a character cut in half at the start is dropped). */
  get text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.keepBytes)).toString('utf8').replace(/^\uFFFD/, '');
  }
}
