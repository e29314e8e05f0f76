import { describe, expect, it } from 'vitest';
import { TerminalChannel } from './terminal-channel.ts';
import { MAX_INPUT_CHARS } from './limits.ts';

describe('TerminalChannel', () => {
  it('holds input until attached, then numbers it in order', () => {
    const channel = new TerminalChannel('t2');
    channel.queue('ls\r');
    channel.queue('pwd\r');
    expect(channel.drain()).toEqual([]);
    channel.attached = true;
    expect(channel.drain()).toEqual([
      { terminalId: 't2', seq: 0, data: 'ls\r' },
      { terminalId: 't2', seq: 1, data: 'pwd\r' },
    ]);
    channel.queue('x');
    expect(channel.drain()).toEqual([{ terminalId: 't2', seq: 2, data: 'x' }]);
  });

  it('splits a big paste to the message limit', () => {
    const channel = new TerminalChannel('main');
    channel.attached = true;
    channel.queue('y'.repeat(MAX_INPUT_CHARS + 1));
    expect(channel.drain().map((message) => message.data.length)).toEqual([MAX_INPUT_CHARS, 1]);
  });

  it('hands out input only while the pace lets it, in order', () => {
    const channel = new TerminalChannel('main');
    channel.attached = true;
    channel.queue('y'.repeat(MAX_INPUT_CHARS * 2 + 5));
    let budget = MAX_INPUT_CHARS * 1.5;
    const fits = (data: string) => (budget >= data.length ? ((budget -= data.length), true) : false);
    expect(channel.drain(fits).map((message) => [message.seq, message.data.length])).toEqual([[0, MAX_INPUT_CHARS]]);
    budget = MAX_INPUT_CHARS * 2;
    expect(channel.drain(fits).map((message) => [message.seq, message.data.length])).toEqual([[1, MAX_INPUT_CHARS], [2, 5]]);
  });

  it('keeps numbering across reconnects but forgets everything for a new sandbox', () => {
    const channel = new TerminalChannel('main');
    channel.attached = true;
    channel.queue('a');
    channel.drain();
    channel.cursor.take(0, 'output');
    channel.detach();
    channel.queue('b');
    channel.attached = true;
    expect(channel.drain()).toEqual([{ terminalId: 'main', seq: 1, data: 'b' }]);
    expect(channel.cursor.received).toBe(6);
    channel.queue('c');
    channel.reset();
    channel.attached = true;
    expect(channel.drain()).toEqual([]);
    expect(channel.cursor.received).toBe(0);
  });
});
