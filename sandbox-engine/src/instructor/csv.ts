export type CsvCell = string | number | boolean | undefined | null;

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, or a tab or carriage return first, also
 * after leading spaces): a learner's display name or a check message could be `=HYPERLINK(…)`.
 * Such text gets a leading apostrophe, which spreadsheets show as text (OWASP "CSV injection").
 */
const FORMULA_START = /^(?:[=+\-@\t\r]|\s+[=+\-@])/;

/** One cell: text always quoted (quotes doubled) and defused; numbers and booleans as they are; nothing as empty. */
export function csvCell(value: CsvCell): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return `"${text.replace(/"/g, '""')}"`;
}

/** RFC 4180 CSV: a header row, then the rows, each line ended by CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [header, ...rows].map((row) => `${row.map(csvCell).join(',')}\r\n`).join('');
}
