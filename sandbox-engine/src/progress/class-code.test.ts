import { describe, expect, it } from 'vitest';
import { newClassCode, normalizeClassCode } from './class-code.js';

describe('class codes', () => {
  it('are three and three characters that cannot be misread', () => {
    const codes = Array.from({ length: 500 }, newClassCode);
    for (const code of codes) expect(code).toMatch(/^[2-9A-HJKMNP-TW-Z]{3}-[2-9A-HJKMNP-TW-Z]{3}$/);
    expect(new Set(codes).size).toBeGreaterThan(490);
  });

  it('are found as typed: any case, with or without the dash, with spaces around', () => {
    expect(normalizeClassCode('k7m2qf')).toBe('K7M-2QF');
    expect(normalizeClassCode(' K7M-2QF ')).toBe('K7M-2QF');
    expect(normalizeClassCode('K7M--2QF')).toBeUndefined();
    expect(normalizeClassCode('K7M-2Q')).toBeUndefined();
    expect(normalizeClassCode("K7M-2Q'")).toBeUndefined();
  });
});
