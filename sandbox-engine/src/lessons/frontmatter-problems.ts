import type { ZodIssue } from 'zod';
import { formatIssuePath } from './format-issue-path.js';

/** Each zod issue as a field and a message; an unknown field is named in the field itself. */
export function frontmatterProblems(issues: readonly ZodIssue[]): Array<{ field: string; message: string }> {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: formatIssuePath([...issue.path, key]), message: 'unknown field' }));
    }
    if (issue.code === 'invalid_type' && issue.received === 'undefined') {
      return [{ field: formatIssuePath(issue.path), message: `required (${issue.expected})` }];
    }
    return [{ field: formatIssuePath(issue.path), message: issue.message }];
  });
}
