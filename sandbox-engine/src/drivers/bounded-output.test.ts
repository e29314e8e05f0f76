import { describe, expect, it } from 'vitest';
import { BoundedOutput } from './bounded-output.js';

const write = (output: BoundedOutput, chunk: string) => new Promise<void>((resolve) => output.write(Buffer.from(chunk), () => resolve()));

describe('BoundedOutput', () => {
  it('keeps everything while it fits', async () => {
    const output = new BoundedOutput(100, 1000, () => undefined);
    await write(output, 'hello ');
    await write(output, 'world\n');
    expect(output.text).toBe('hello world\n');
    expect(output.total).toBe(12);
  });

  it('keeps only the last bytes of a long output', async () => {
    const output = new BoundedOutput(10, 10_000, () => undefined);
    for (let i = 0; i < 100; i++) await write(output, `line ${i}\n`);
    expect(output.text).toBe('8\nline 99\n');
  });

  it('says once when the whole output passes its bound, then takes no more', async () => {
    const floods: number[] = [];
    const output = new BoundedOutput(8, 50, (total) => floods.push(total));
    for (let i = 0; i < 20; i++) await write(output, 'xxxxxxxxxx');
    expect(floods).toEqual([60]);
    expect(output.total).toBe(200);
    expect(output.text).toBe('xxxxxxxx');
  });

  it('never returns half a character at the start of the tail', async () => {
    const output = new BoundedOutput(5, 1000, () => undefined);
    await write(output, 'ééééé');
    expect(output.text).toBe('éé');
  });
});
