import { describe, expect, it } from 'vitest';
import { WorkspaceApi } from './workspace-api.ts';

function fakeFetch(status: number, body: unknown, seen: { url?: string; init?: RequestInit } = {}): typeof fetch {
  return (async (url: string, init: RequestInit) => {
    seen.url = url;
    seen.init = init;
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof fetch;
}

describe('WorkspaceApi', () => {
  it('lists a folder of the lesson workspace', async () => {
    const seen: { url?: string } = {};
    const api = new WorkspaceApi('postgres-in-a-container', fakeFetch(200, { data: { path: 'web', entries: [] } }, seen));
    expect(await api.list('web dir', true)).toEqual({ data: { path: 'web', entries: [] } });
    expect(seen.url).toBe('/api/workspace/postgres-in-a-container/list?path=web%20dir&all=1');
  });

  it('returns the engine error with its status (a conflicting save)', async () => {
    const api = new WorkspaceApi('x', fakeFetch(409, { error: { code: 'conflict', message: 'changed', retryable: false } }));
    expect(await api.write({ path: 'a', content: 'b', baseMtimeMs: 1 })).toEqual({ error: { code: 'conflict', message: 'changed', status: 409 } });
  });

  it('turns a body it does not understand into an error', async () => {
    const api = new WorkspaceApi('x', fakeFetch(502, 'Bad gateway'));
    const result = await api.ports();
    expect('error' in result && result.error).toMatchObject({ code: 'http-502', status: 502 });
  });

  it('refuses data that does not match the contract', async () => {
    const api = new WorkspaceApi('x', fakeFetch(200, { data: { path: 'a', content: 42 } }));
    expect(await api.read('a')).toEqual({ error: { code: 'http-200', message: 'The server answered HTTP 200.', status: 200 } });
  });

  it('turns a network failure into an error', async () => {
    const api = new WorkspaceApi('x', (async () => {
      throw new TypeError('offline');
    }) as unknown as typeof fetch);
    expect(await api.read('a')).toMatchObject({ error: { code: 'network', status: 0 } });
  });
});
