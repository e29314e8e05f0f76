import { describe, expect, it } from 'vitest';
import { formatIssuePath } from './format-issue-path.js';

describe('formatIssuePath', () => {
  it('writes paths as a lesson author reads them', () => {
    expect(formatIssuePath(['steps', 2, 'checks', 0, 'kind'])).toBe('steps[2].checks[0].kind');
    expect(formatIssuePath(['steps', 0, 'checks', 0, 'env', 'POSTGRES_USER'])).toBe('steps[0].checks[0].env.POSTGRES_USER');
    expect(formatIssuePath(['env', 'MY-VAR'])).toBe('env["MY-VAR"]');
    expect(formatIssuePath([])).toBe('frontmatter');
  });
});
