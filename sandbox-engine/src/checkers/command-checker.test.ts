import { describe, expect, it } from 'vitest';
import { commandCheckerSchema, type CommandChecker } from '../contracts/checker.js';
import { commandLabel, judgeCommand } from './command-checker.js';

function checker(fields: Partial<CommandChecker>): CommandChecker {
  return commandCheckerSchema.parse({ kind: 'command', run: 'psql -h 127.0.0.1 -U docker -tAc "select 1"', ...fields });
}

describe('judgeCommand', () => {
  it('passes on exit code 0 by default', () => {
    expect(judgeCommand(checker({}), { exitCode: 0, stdout: '1\n', stderr: '' })).toEqual({
      passed: true,
      message: '`psql -h 127.0.0.1 -U docker -tAc "select 1"` succeeded',
    });
  });

  it('says which exit code it got and shows the end of the output', () => {
    const stderr =
      'psql: error: connection to server at "127.0.0.1", port 5432 failed: Connection refused\n' +
      '\tIs the server running on that host and accepting TCP/IP connections?\n';
    const verdict = judgeCommand(checker({}), { exitCode: 2, stdout: '', stderr });
    expect(verdict.passed).toBe(false);
    expect(verdict.message).toBe(
      '`psql -h 127.0.0.1 -U docker -tAc "select 1"` exited with code 2, expected 0\nLast output:\n' + stderr.trimEnd(),
    );
  });

  it('accepts the expected non-zero exit code', () => {
    const verdict = judgeCommand(checker({ run: 'docker inspect web', exitCode: 1 }), { exitCode: 1, stdout: '[]', stderr: 'Error: No such object: web' });
    expect(verdict.passed).toBe(true);
  });

  it('matches stdout as a multiline pattern', () => {
    const ps = 'NAMES\tSTATUS\nweb\tUp 3 seconds\ndb\tUp 2 minutes\n';
    const run = "docker ps --format '{{.Names}}\\t{{.Status}}'";
    expect(judgeCommand(checker({ run, stdout: '^db\\tUp ' }), { exitCode: 0, stdout: ps, stderr: '' }).passed).toBe(true);
    const verdict = judgeCommand(checker({ run, stdout: '^cache\\tUp ' }), { exitCode: 0, stdout: ps, stderr: '' });
    expect(verdict.message.split('\n')[0]).toBe(`the output of \`${run}\` does not match /^cache\\tUp /`);
  });

  it('reports both a wrong exit code and unmatched output, and says when nothing was printed', () => {
    const verdict = judgeCommand(checker({ stdout: 'x' }), { exitCode: 1, stdout: '', stderr: '' });
    expect(verdict.message).toMatch(/exited with code 1, expected 0; the output of .* does not match \/x\/\nIt printed nothing\.$/);
  });

  it('puts the lesson message first and keeps the output', () => {
    const verdict = judgeCommand(checker({ message: 'The database does not answer yet' }), { exitCode: 2, stdout: '', stderr: 'refused' });
    expect(verdict.message).toBe('The database does not answer yet\nLast output:\nrefused');
  });
});

describe('commandLabel', () => {
  it('shows a long script as one shortened line', () => {
    const label = commandLabel(`for i in 1 2 3; do\n  curl -s http://127.0.0.1:8080/ | grep -q Hello && exit 0\n  sleep 1\ndone\nexit 1`, 40);
    expect(label).toHaveLength(40);
    expect(label).not.toContain('\n');
    expect(label.endsWith('…')).toBe(true);
  });
});
