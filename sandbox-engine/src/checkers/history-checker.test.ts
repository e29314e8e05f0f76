import { describe, expect, it } from 'vitest';
import { historyCheckerSchema, type HistoryChecker } from '../contracts/checker.js';
import { findHistoryCommand, judgeHistory } from './history-checker.js';

/** /root/.bash_history as bash writes it with HISTTIMEFORMAT set: a #epoch line before each command. */
const history = [
  '#1715677951',
  'docker ps',
  '#1715677960',
  'docker run -d --name db -e POSTGRES_PASSWORD=docker postgres:15',
  '#1715678002',
  'docker logs db',
  '',
].join('\n');

function checker(fields: Partial<HistoryChecker>): HistoryChecker {
  return historyCheckerSchema.parse({ kind: 'history', pattern: '^docker logs', ...fields });
}

describe('findHistoryCommand', () => {
  it('finds the most recent matching command and skips timestamp lines', () => {
    expect(findHistoryCommand(history, 'docker (run|logs)')).toBe('docker logs db');
    expect(findHistoryCommand(history, '^#\\d+')).toBeUndefined();
  });

  it('matches ^ at the start of a command typed with leading spaces or CRLF', () => {
    expect(findHistoryCommand('  docker logs db\r\n', '^docker logs db$')).toBe('docker logs db');
  });

  it('finds nothing in an empty history', () => {
    expect(findHistoryCommand('', 'docker')).toBeUndefined();
  });
});

describe('judgeHistory', () => {
  it('passes and quotes the command', () => {
    expect(judgeHistory(checker({}), history)).toEqual({ passed: true, message: 'You ran `docker logs db`' });
  });

  it('asks the learner to run the command first', () => {
    expect(judgeHistory(checker({ pattern: '^docker inspect' }), history)).toEqual({
      passed: false,
      message: 'Run a command matching /^docker inspect/ in the terminal first',
    });
  });

  it('uses the lesson message when there is one', () => {
    const verdict = judgeHistory(checker({ pattern: '^docker inspect', message: 'Look at the container with docker inspect first' }), history);
    expect(verdict.message).toBe('Look at the container with docker inspect first');
  });
});
