import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from './csv.js';

/** A small RFC 4180 reader, to show the output parses back to what went in. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        cell += '"';
        index++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[index + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      index++;
    } else cell += char;
  }
  return rows;
}

describe('csv', () => {
  it('quotes every text cell and doubles its quotes; numbers, booleans and nothing stay bare', () => {
    expect(csvCell('Ada')).toBe('"Ada"');
    expect(csvCell('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
    expect(csvCell(3)).toBe('3');
    expect(csvCell(true)).toBe('true');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(null)).toBe('');
    expect(csvCell(Number.NaN)).toBe('');
  });

  it('defuses text a spreadsheet would run as a formula', () => {
    for (const hostile of ['=HYPERLINK("http://evil")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1', '  =1+1']) {
      expect(csvCell(hostile)).toBe(`"'${hostile.replace(/"/g, '""')}"`);
    }
    expect(csvCell('a=b')).toBe('"a=b"');
    expect(csvCell('2026-01-01T10:00:00.000Z')).toBe('"2026-01-01T10:00:00.000Z"');
  });

  it('writes CRLF rows that parse back to the cells', () => {
    const text = toCsv(['name', 'passed'], [
      ['Ada, "the first"', 2],
      ['line\nbreak', 0],
      ['=cmd|calc', undefined],
    ]);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(parseCsv(text)).toEqual([
      ['name', 'passed'],
      ['Ada, "the first"', '2'],
      ['line\nbreak', '0'],
      ["'=cmd|calc", ''],
    ]);
  });
});
