import { describe, expect, it } from 'vitest';
import { defaultHostAllowed, originAllowed } from './origin-policy.js';

describe('originAllowed', () => {
  const site = { host: 'localhost:8080' };

  it("lets the site's own pages and non-browser clients through", () => {
    expect(originAllowed({ ...site, origin: 'http://localhost:8080' }, []).ok).toBe(true);
    expect(originAllowed({ ...site, origin: 'http://localhost:8080', 'sec-fetch-site': 'same-origin' }, []).ok).toBe(true);
    expect(originAllowed(site, []).ok).toBe(true);
    expect(originAllowed({ ...site, 'sec-fetch-site': 'none' }, []).ok).toBe(true);
  });

  it('refuses the preview origin: same host name, another port', () => {
    expect(originAllowed({ ...site, origin: 'http://localhost:8081' }, [])).toMatchObject({ ok: false });
    expect(originAllowed({ ...site, 'sec-fetch-site': 'same-site' }, [])).toMatchObject({ ok: false });
    expect(originAllowed({ ...site, origin: 'http://localhost:8080', 'sec-fetch-site': 'cross-site' }, [])).toMatchObject({ ok: false });
  });

  it('refuses opaque and malformed origins', () => {
    expect(originAllowed({ ...site, origin: 'null' }, []).ok).toBe(false);
    expect(originAllowed({ ...site, origin: 'not a url' }, []).ok).toBe(false);
    expect(originAllowed({ origin: 'http://localhost:8080' }, []).ok).toBe(false);
  });

  it('refuses a host name reached by DNS rebinding unless ALLOWED_ORIGINS names it', () => {
    expect(originAllowed({ host: 'evil.example:8080', origin: 'http://evil.example:8080' }, [])).toMatchObject({ ok: false, reason: expect.stringMatching(/ALLOWED_ORIGINS/) });
    expect(originAllowed({ host: 'evil.example:8080' }, []).ok).toBe(false);
    expect(originAllowed({ host: '[::1]:8080', origin: 'http://[::1]:8080' }, []).ok).toBe(true);
    expect(originAllowed({ host: '192.0.2.2:8080', origin: 'http://192.0.2.2:8080' }, []).ok).toBe(true);
    expect(originAllowed({ host: 'learn.example.org', origin: 'https://learn.example.org' }, ['https://learn.example.org']).ok).toBe(true);
    expect(defaultHostAllowed('Workstation:8080', 'workstation')).toBe(true);
    expect(defaultHostAllowed('app.localhost:8080', 'x')).toBe(true);
  });

  it('uses only the configured list when there is one (behind a proxy)', () => {
    const allowed = ['https://learn.example.org'];
    expect(originAllowed({ host: 'engine:8080', origin: 'https://learn.example.org' }, allowed).ok).toBe(true);
    expect(originAllowed({ host: 'learn.example.org', origin: 'https://preview.example.org' }, allowed).ok).toBe(false);
  });
});
