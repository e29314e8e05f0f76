import { describe, expect, it } from 'vitest';
import { splitRef } from './host-docker.js';

describe('splitRef', () => {
  it('splits the tag off, also behind a registry port', () => {
    expect(splitRef('postgres:15')).toEqual({ repo: 'postgres', tag: '15' });
    expect(splitRef('127.0.0.1:5000/library/postgres:15')).toEqual({ repo: '127.0.0.1:5000/library/postgres', tag: '15' });
    expect(splitRef('127.0.0.1:5000/dockyard/sandbox')).toEqual({ repo: '127.0.0.1:5000/dockyard/sandbox', tag: 'latest' });
  });
});
