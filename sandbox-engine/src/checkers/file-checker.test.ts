import { describe, expect, it } from 'vitest';
import { fileCheckerSchema } from '../contracts/checker.js';
import { judgeFile, resolveCheckedPath } from './file-checker.js';

const checker = (fields: Record<string, unknown>) => fileCheckerSchema.parse({ kind: 'file', ...fields });

describe('file checker', () => {
  it('resolves paths against the working directory', () => {
    expect(resolveCheckedPath('app/Dockerfile')).toBe('/root/app/Dockerfile');
    expect(resolveCheckedPath('/etc/hosts')).toBe('/etc/hosts');
  });

  it('passes when the file exists with matching content', () => {
    expect(judgeFile(checker({ path: 'Dockerfile', content: '^FROM debian' }), 'file\nFROM debian:bookworm\n').passed).toBe(true);
    expect(judgeFile(checker({ path: 'Dockerfile' }), 'file\n').passed).toBe(true);
  });

  it('says what is missing', () => {
    expect(judgeFile(checker({ path: 'Dockerfile' }), 'missing\n')).toMatchObject({ passed: false, message: 'There is no file Dockerfile yet' });
    expect(judgeFile(checker({ path: 'Dockerfile', content: 'CMD' }), 'file\nFROM x\n').message).toMatch(/does not contain/);
    expect(judgeFile(checker({ path: 'dir' }), 'other\n').message).toMatch(/not a regular file/);
  });

  it('checks absence', () => {
    expect(judgeFile(checker({ path: 'x', exists: false }), 'missing\n').passed).toBe(true);
    expect(judgeFile(checker({ path: 'x', exists: false }), 'file\nabc').passed).toBe(false);
  });
});
