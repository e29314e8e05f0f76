import { expect, it } from 'vitest';
import { MAX_INPUT_CHARS as contractLimit } from '../../../sandbox-engine/src/contracts/socket-events.js';
import { MAX_INPUT_CHARS } from './limits.ts';

it('mirrors the engine contract', () => {
  expect(MAX_INPUT_CHARS).toBe(contractLimit);
});
