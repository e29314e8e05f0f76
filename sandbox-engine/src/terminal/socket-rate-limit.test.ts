import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../limits/token-bucket.js';
import { ATTACH_RATE, inputChars, SocketRateLimit } from './socket-rate-limit.js';

const limits = { eventBurst: 10, eventsPerSecond: 10, inputBurstChars: 100, inputCharsPerSecond: 50, floodMs: 3000, noticeMs: 1000 };

describe('SocketRateLimit', () => {
  it('lets a burst through, then drops and says so at most once a second', () => {
    let now = 0;
    const limit = new SocketRateLimit(limits, () => now);
    const verdicts = Array.from({ length: 14 }, () => limit.check());
    expect(verdicts.slice(0, 10).every((verdict) => verdict === 'pass')).toBe(true);
    expect(verdicts.slice(10)).toEqual(['drop-and-notify', 'drop', 'drop', 'drop']);
    now += 100;
    expect(limit.check()).toBe('pass');
    expect(limit.check()).toBe('drop');
    now += 1000;
    for (let i = 0; i < 10; i += 1) expect(limit.check()).toBe('pass');
    expect(limit.check()).toBe('drop-and-notify');
  });

  it('charges terminal input by its length', () => {
    let now = 0;
    const limit = new SocketRateLimit(limits, () => now);
    expect(limit.check(60)).toBe('pass');
    expect(limit.check(60)).toBe('drop-and-notify');
    expect(limit.check(40)).toBe('pass');
    now += 1000;
    expect(limit.check(50)).toBe('pass');
    expect(limit.check(1)).toBe('drop-and-notify');
    expect(limit.check(1)).toBe('drop');
  });

  it('disconnects a socket that keeps sending far over its limit', () => {
    let now = 0;
    const limit = new SocketRateLimit(limits, () => now);
    const seen = new Set<string>();
    // 40 events a second against 10 allowed, for 4 seconds.
    for (let tick = 0; tick < 160; tick += 1) {
      seen.add(limit.check());
      if (seen.has('disconnect')) break;
      now += 25;
    }
    expect(seen.has('disconnect')).toBe(true);
    expect(now).toBeGreaterThanOrEqual(3000);
  });

  it('keeps a socket that is just over its limit, or floods in bursts with quiet seconds between', () => {
    let now = 0;
    const slightly = new SocketRateLimit(limits, () => now);
    const verdicts = new Set<string>();
    // 12 a second against 10: drops, but most messages pass.
    for (let tick = 0; tick < 12 * 20; tick += 1) {
      verdicts.add(slightly.check());
      now += 1000 / 12;
    }
    expect(verdicts.has('drop')).toBe(true);
    expect(verdicts.has('disconnect')).toBe(false);

    now = 0;
    const bursty = new SocketRateLimit(limits, () => now);
    verdicts.clear();
    for (let burst = 0; burst < 10; burst += 1) {
      for (let i = 0; i < 100; i += 1) verdicts.add(bursty.check());
      now += 2000;
    }
    expect(verdicts.has('disconnect')).toBe(false);
  });

  it('reads the input length of terminal:input only', () => {
    expect(inputChars('terminal:input', { data: 'abc' })).toBe(3);
    expect(inputChars('terminal:input', { data: 42 })).toBe(0);
    expect(inputChars('terminal:input', 'abc')).toBe(0);
    expect(inputChars('terminal:resize', { data: 'abc' })).toBe(0);
  });
});

describe('ATTACH_RATE', () => {
  it('lets a page attach all its terminals at once, then a replay flood only 2 a second', () => {
    let now = 0;
    const attaches = new TokenBucket(ATTACH_RATE.burst, ATTACH_RATE.perSecond, () => now);
    // Six terminals, and a few more.
    const burst = Array.from({ length: 200 }, () => attaches.take());
    expect(burst.filter(Boolean)).toHaveLength(ATTACH_RATE.burst);
    expect(ATTACH_RATE.burst).toBeGreaterThanOrEqual(6);
    // 200 attaches a second for 10 s get 2 a second through.
    let passed = 0;
    for (let tick = 0; tick < 2000; tick += 1) {
      now += 5;
      if (attaches.take()) passed += 1;
    }
    expect(passed).toBe(10 * ATTACH_RATE.perSecond);
  });
});
