import { describe, expect, it } from 'vitest';
import { baseName, normaliseWorkspacePath, parentOf, syncAction } from './file-sync.ts';

describe('syncAction', () => {
  const file = (mtimeMs: number) => ({ type: 'file' as const, mtimeMs });

  it('does nothing while the file is as the editor loaded it', () => {
    expect(syncAction({ baseMtimeMs: 10, dirty: true }, file(10))).toBe('none');
  });

  it('reloads a changed file the learner has not edited', () => {
    expect(syncAction({ baseMtimeMs: 10, dirty: false }, file(20))).toBe('reload');
  });

  it('asks before anything when the learner has edits', () => {
    expect(syncAction({ baseMtimeMs: 10, dirty: true }, file(20))).toBe('changed');
  });

  it('notices a deleted file', () => {
    expect(syncAction({ baseMtimeMs: 10, dirty: false }, undefined)).toBe('deleted');
    expect(syncAction({ baseMtimeMs: 10, dirty: false }, { type: 'dir', mtimeMs: 10 })).toBe('deleted');
  });

  it('leaves a file not created yet alone', () => {
    expect(syncAction({ baseMtimeMs: undefined, dirty: true }, undefined)).toBe('none');
  });
});

describe('paths', () => {
  it('splits parent and name', () => {
    expect(parentOf('web/Dockerfile')).toBe('web');
    expect(parentOf('Dockerfile')).toBe('');
    expect(baseName('web/Dockerfile')).toBe('Dockerfile');
  });

  it.each([
    ['web/Dockerfile', 'web/Dockerfile'],
    ['~/web/Dockerfile', 'web/Dockerfile'],
    ['/root/web//./Dockerfile', 'web/Dockerfile'],
    ['web/../app.py', 'app.py'],
    ['../etc/passwd', undefined],
    ['  ', undefined],
    ['/root', undefined],
  ])('normalises %j to %j', (input, expected) => {
    expect(normaliseWorkspacePath(input)).toBe(expected);
  });
});
