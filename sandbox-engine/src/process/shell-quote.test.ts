import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote } from './shell-quote.js';

describe('shellQuote', () => {
  it.each(['db', "it's", 'a b; rm -rf /', '$(whoami) `id` "x"', ''])('bash reads %j back unchanged', (value) => {
    expect(execFileSync('bash', ['-c', `printf %s ${shellQuote(value)}`], { encoding: 'utf8' })).toBe(value);
  });
});
