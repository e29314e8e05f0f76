import { expect, it } from 'vitest';
import { MAX_INPUT_CHARS as contractLimit } from '../../../sandbox-engine/src/contracts/socket-events.js';
import { SOCKET_RATE_LIMITS } from '../../../sandbox-engine/src/terminal/socket-rate-limit.js';
import { INPUT_BURST_CHARS, INPUT_CHARS_PER_SECOND, MAX_INPUT_CHARS } from './limits.ts';

it('mirrors the engine contract', () => {
  expect(MAX_INPUT_CHARS).toBe(contractLimit);
});

it('paces input under the engine limit', () => {
  expect(INPUT_BURST_CHARS).toBeLessThan(SOCKET_RATE_LIMITS.inputBurstChars);
  expect(INPUT_CHARS_PER_SECOND).toBeLessThan(SOCKET_RATE_LIMITS.inputCharsPerSecond);
  expect(MAX_INPUT_CHARS).toBeLessThanOrEqual(INPUT_BURST_CHARS);
});
