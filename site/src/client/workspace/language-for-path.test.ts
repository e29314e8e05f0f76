import { describe, expect, it } from 'vitest';
import { languageForPath } from './language-for-path.ts';

describe('languageForPath', () => {
  it.each([
    ['web/Dockerfile', 'dockerfile'],
    ['Dockerfile.dev', 'dockerfile'],
    ['app/api.dockerfile', 'dockerfile'],
    ['compose.yaml', 'yaml'],
    ['docker-compose.override.yml', 'yaml'],
    ['.github/workflows/ci.yml', 'yaml'],
    ['start.sh', 'shell'],
    ['.env', 'shell'],
    ['server.js', 'javascript'],
    ['index.mjs', 'javascript'],
    ['Gemfile', 'ruby'],
    ['config/routes.rb', 'ruby'],
    ['app.py', 'python'],
    ['init/01-schema.sql', 'sql'],
    ['nginx.conf', 'nginx'],
    ['nginx/site.conf', 'nginx'],
    ['conf.d/app.conf', 'nginx'],
    ['default.conf', 'nginx'],
    ['postgresql.conf', 'ini'],
    ['package.json', 'json'],
    ['README.md', 'markdown'],
    ['notes.txt', 'plaintext'],
  ])('%s → %s', (path, language) => {
    expect(languageForPath(path)).toBe(language);
  });

  it('reads a shebang when the name says nothing', () => {
    expect(languageForPath('bin/run', '#!/usr/bin/env bash')).toBe('shell');
    expect(languageForPath('bin/tool', '#!/usr/bin/python3')).toBe('python');
    expect(languageForPath('bin/serve', '#!/usr/bin/env node')).toBe('javascript');
    expect(languageForPath('bin/other', 'plain')).toBe('plaintext');
  });
});
