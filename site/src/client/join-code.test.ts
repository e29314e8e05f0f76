import { describe, expect, it } from 'vitest';
import { checkDisplayName, classCodeFromUrl, normalizeClassCode } from './join-code.ts';

describe('classCodeFromUrl', () => {
  it('reads the code from the query string or from /join/<code>', () => {
    expect(classCodeFromUrl(new URL('http://site/join/?code=K7M-2QF'))).toBe('K7M-2QF');
    expect(classCodeFromUrl(new URL('http://site/join?code=%20k7m2qf%20'))).toBe('k7m2qf');
    expect(classCodeFromUrl(new URL('http://site/join/K7M-2QF'))).toBe('K7M-2QF');
    expect(classCodeFromUrl(new URL('http://site/join/'))).toBeUndefined();
    expect(classCodeFromUrl(new URL('http://site/join?code='))).toBeUndefined();
  });
});

describe('normalizeClassCode', () => {
  it('gives the code in the form instructors hand out, or nothing', () => {
    expect(normalizeClassCode('k7m2qf')).toBe('K7M-2QF');
    expect(normalizeClassCode(' K7M-2QF ')).toBe('K7M-2QF');
    expect(normalizeClassCode('K7M-2Q')).toBeUndefined();
    expect(normalizeClassCode('K7M-2QF-X')).toBeUndefined();
    expect(normalizeClassCode('<script>')).toBeUndefined();
  });
});

describe('checkDisplayName', () => {
  it('trims a name and says what is wrong with an empty or long one', () => {
    expect(checkDisplayName('  Ada  ')).toEqual({ name: 'Ada' });
    expect(checkDisplayName('   ')).toEqual({ error: 'Type a name.' });
    expect(checkDisplayName('x'.repeat(61))).toEqual({ error: 'A name can have at most 60 characters.' });
  });
});
