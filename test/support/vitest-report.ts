import path from 'node:path';

/** The part of vitest's JSON report (`--reporter=json`) that `npm test` counts. */
export interface VitestReport {
  testResults: {
    /** Absolute path of the test file. */
    name: string;
    status: string;
    /** Why the file failed outside its tests: an import, a `beforeAll`, an `afterAll`. */
    message?: string;
    assertionResults: { fullName: string; status: string }[];
  }[];
}

/** A test skipped on purpose: its file (relative to the repository) and its full name. */
export interface ExpectedSkip {
  file: string;
  test: string;
}

export interface ReportCount {
  passed: number;
  /** Failed tests, skipped tests nobody expected, files that failed outside their tests. */
  failed: number;
  /** Every test that did not run (skipped, pending, todo), expected or not. */
  skipped: number;
  /** One line per test that did not run and per file that failed outside its tests. */
  notes: string[];
}

/**
 * Counts a vitest report honestly: a test that did not run is a failure unless `expected` names
 * it (a throwing `beforeAll` skips its whole file, which must not look like a smaller suite), a file
 * that failed outside its tests counts once, and a run that exited non-zero with nothing else
 * counted against it counts once.
 */
export function countVitestReport(report: VitestReport, exitCode: number, root: string, expected: readonly ExpectedSkip[] = []): ReportCount {
  const count: ReportCount = { passed: 0, failed: 0, skipped: 0, notes: [] };
  for (const file of report.testResults) {
    const relative = path.relative(root, file.name);
    let failedHere = 0;
    for (const test of file.assertionResults) {
      if (test.status === 'passed') {
        count.passed++;
      } else if (test.status === 'failed') {
        failedHere++;
      } else {
        count.skipped++;
        const allowed = expected.some((skip) => skip.file === relative && skip.test === test.fullName);
        if (!allowed) failedHere++;
        count.notes.push(`${test.status}${allowed ? ' (expected)' : ''}: ${relative} > ${test.fullName}`);
      }
    }
    if (file.status === 'failed') {
      const reason = file.message?.split('\n')[0];
      if (reason) count.notes.push(`file failed: ${relative}: ${reason}`);
      if (failedHere === 0) failedHere = 1;
    }
    count.failed += failedHere;
  }
  if (exitCode !== 0 && count.failed === 0) {
    count.failed = 1;
    count.notes.push(`vitest exited with code ${exitCode}`);
  }
  return count;
}
