import { randomInt } from 'node:crypto';

/** Letters and digits that cannot be mistaken for one another when read off a board (no 0/O, 1/I/L, U/V). */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTWXYZ';

/** A new class code, e.g. "K7M-2QF": 29^6 (about 600 million) codes, from a secure random source. */
export function newClassCode(): string {
  const pick = () => ALPHABET[randomInt(ALPHABET.length)];
  return `${pick()}${pick()}${pick()}-${pick()}${pick()}${pick()}`;
}

/** A code as typed ("k7m2qf", " K7M-2QF ") in its stored form "K7M-2QF", or undefined when it cannot be one. */
export function normalizeClassCode(typed: string): string | undefined {
  const compact = typed.trim().toUpperCase().replace('-', '');
  return /^[A-Z0-9]{6}$/.test(compact) ? `${compact.slice(0, 3)}-${compact.slice(3)}` : undefined;
}
