import { describe, expect, it } from 'vitest';
import { notPreviewable } from './web-ports.ts';

describe('notPreviewable', () => {
  it('names databases and other non-HTTP services by their container port', () => {
    expect(notPreviewable({ containerPort: 5432, protocol: 'tcp' })).toBe('PostgreSQL');
    expect(notPreviewable({ containerPort: 3306, protocol: 'tcp' })).toBe('MySQL');
    expect(notPreviewable({ containerPort: 6379, protocol: 'tcp' })).toBe('Redis');
    expect(notPreviewable({ containerPort: 27017, protocol: 'tcp' })).toBe('MongoDB');
  });

  it('offers any other TCP port, and never a UDP one', () => {
    expect(notPreviewable({ containerPort: 80, protocol: 'tcp' })).toBeUndefined();
    expect(notPreviewable({ containerPort: 8080, protocol: 'tcp' })).toBeUndefined();
    expect(notPreviewable({ containerPort: 3000, protocol: 'tcp' })).toBeUndefined();
    expect(notPreviewable({ containerPort: 53, protocol: 'udp' })).toBe('UDP');
    expect(notPreviewable({ containerPort: 8080, protocol: 'udp' })).toBe('UDP');
  });
});
