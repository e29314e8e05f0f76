import { describe, expect, it } from 'vitest';
import { parsePublishedPorts } from './published-ports.js';

describe('parsePublishedPorts', () => {
  it('reads docker ps port columns of Docker 20.10', () => {
    const output = [
      'web\t0.0.0.0:32768->80/tcp, :::32768->80/tcp',
      'db\t0.0.0.0:49153->5432/tcp',
      'quiet\t5432/tcp',
      'dns\t0.0.0.0:5353->53/udp',
      '',
    ].join('\n');
    expect(parsePublishedPorts(output)).toEqual([
      { hostPort: 5353, container: 'dns', containerPort: 53, protocol: 'udp' },
      { hostPort: 32768, container: 'web', containerPort: 80, protocol: 'tcp' },
      { hostPort: 49153, container: 'db', containerPort: 5432, protocol: 'tcp' },
    ]);
  });
});
