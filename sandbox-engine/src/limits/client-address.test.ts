import { describe, expect, it } from 'vitest';
import { clientAddress } from './client-address.js';

const request = (remoteAddress: string, forwarded?: string) =>
  ({ socket: { remoteAddress }, headers: forwarded ? { 'x-forwarded-for': forwarded } : {} }) as Parameters<typeof clientAddress>[0];

describe('clientAddress', () => {
  it('is the TCP peer unless proxies are trusted', () => {
    expect(clientAddress(request('::ffff:127.0.0.1', '1.2.3.4'), 0)).toBe('127.0.0.1');
  });

  it('counts an IPv6 /64 as one client', () => {
    expect(clientAddress(request('2001:db8:1:2:aaaa::1'), 0)).toBe('2001:db8:1:2::/64');
    expect(clientAddress(request('2001:db8:1:2:bbbb:cccc:dddd:eeee'), 0)).toBe('2001:db8:1:2::/64');
    expect(clientAddress(request('::1'), 0)).toBe('0:0:0:0::/64');
    expect(clientAddress(request('2001:db8::'), 0)).toBe('2001:db8:0:0::/64');
  });

  it('takes the entry the trusted proxy appended, never what the client wrote', () => {
    expect(clientAddress(request('10.0.0.2', 'spoofed, 198.51.100.7'), 1)).toBe('198.51.100.7');
    expect(clientAddress(request('10.0.0.2', 'spoofed, 198.51.100.7, 10.0.0.9'), 2)).toBe('198.51.100.7');
    expect(clientAddress(request('10.0.0.2'), 1)).toBe('10.0.0.2');
  });
});
