import { describe, expect, it } from 'vitest';
import { isInsideWorkdir, resolveWorkspacePath, toWorkspacePath } from './workspace-path.js';

describe('workspace paths', () => {
  it('resolves inside the working directory', () => {
    expect(resolveWorkspacePath('')).toBe('/root');
    expect(resolveWorkspacePath('app/Dockerfile')).toBe('/root/app/Dockerfile');
    expect(resolveWorkspacePath('/app/./x/../Dockerfile')).toBe('/root/app/Dockerfile');
    expect(toWorkspacePath('/root/app/Dockerfile')).toBe('app/Dockerfile');
  });

  it('refuses escapes', () => {
    for (const bad of ['..', '../etc/passwd', 'a/../../etc', '../root2/x']) {
      expect(() => resolveWorkspacePath(bad), bad).toThrow(/outside the working directory/);
    }
    expect(() => resolveWorkspacePath('a\0b')).toThrow(/NUL/);
    expect(isInsideWorkdir('/root2')).toBe(false);
    expect(isInsideWorkdir('/root/x')).toBe(true);
  });
});
