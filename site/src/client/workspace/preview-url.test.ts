import { describe, expect, it } from 'vitest';
import { portLabel, previewUrl } from './preview-url.ts';

describe('previewUrl', () => {
  it('uses the page protocol and host name with the preview port', () => {
    expect(previewUrl({ protocol: 'http:', hostname: '127.0.0.1' }, 8098, '/tok/32768/')).toBe('http://127.0.0.1:8098/tok/32768/');
    expect(previewUrl({ protocol: 'https:', hostname: 'lessons.example' }, 8443, 'tok/1/')).toBe('https://lessons.example:8443/tok/1/');
  });

  it('brackets an IPv6 host', () => {
    expect(previewUrl({ protocol: 'http:', hostname: '::1' }, 8098, '/t/1/')).toBe('http://[::1]:8098/t/1/');
    expect(previewUrl({ protocol: 'http:', hostname: '[::1]' }, 8098, '/t/1/')).toBe('http://[::1]:8098/t/1/');
  });
});

describe('portLabel', () => {
  it('names the container and its port', () => {
    expect(portLabel({ hostPort: 32768, container: 'web', containerPort: 80, protocol: 'tcp', previewPath: '/t/32768/' })).toBe('32768 (web:80)');
    expect(portLabel({ hostPort: 5353, container: 'dns', containerPort: 53, protocol: 'udp', previewPath: '/t/5353/' })).toBe('5353 (dns:53/udp)');
  });
});
