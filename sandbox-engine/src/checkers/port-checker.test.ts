import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { portCheckerSchema, type PortChecker } from '../contracts/checker.js';
import { readContainerInspect } from './container-inspect.js';
import { evaluatePortChecker, judgeHttp, judgeTcp, resolvePublishedPort, type ProbeTarget } from './port-checker.js';
import { httpProbeCommand, parseHttpProbeOutput, parseTcpProbeOutput, probeSeconds, tcpProbeCommand } from './port-probe.js';
import type { SandboxShell, ShellResult } from './sandbox-shell.js';

const inspectJson = readFileSync(new URL('./fixtures/inspect-db-running.json', import.meta.url), 'utf8');
const db = readContainerInspect('db', { exitCode: 0, stdout: inspectJson, stderr: '' });

function checker(fields: Partial<PortChecker>): PortChecker {
  return portCheckerSchema.parse({ kind: 'port', port: 8080, ...fields });
}

const ok = (stdout: string, exitCode = 0, stderr = ''): ShellResult => ({ exitCode, stdout, stderr });
const web: ProbeTarget = { port: 8080, label: 'port 8080' };

describe('probe commands', () => {
  it('builds the tcp and http probes', () => {
    expect(tcpProbeCommand(5432, 3)).toBe(`timeout 3 bash -c '</dev/tcp/127.0.0.1/5432' 2>/dev/null; echo "$?"`);
    expect(httpProbeCommand(8080, '/health', 9)).toBe(`curl -sS -o - -w '\\n%{http_code}' --max-time 9 'http://127.0.0.1:8080/health'`);
  });

  it('keeps a probe under the check budget', () => {
    expect(probeSeconds(10_000)).toBe(9);
    expect(probeSeconds(10_000, 3)).toBe(3);
    expect(probeSeconds(500)).toBe(1);
  });

  it('parses what the probes print', () => {
    expect(parseHttpProbeOutput('<h1>Hello</h1>\n\n200')).toEqual({ status: 200, body: '<h1>Hello</h1>\n' });
    expect(parseHttpProbeOutput('\n000')).toEqual({ status: 0, body: '' });
    expect(parseTcpProbeOutput('124\n')).toBe(124);
    expect(parseTcpProbeOutput('')).toBe(-1);
  });
});

describe('resolvePublishedPort', () => {
  it('takes the IPv4 binding of a running container', () => {
    expect(resolvePublishedPort('db', 5432, db)).toEqual({ port: 5432, label: 'port 5432 of db (published on 5432)' });
  });

  it('explains why there is no port to probe', () => {
    expect(resolvePublishedPort('db', 5432, undefined)).toEqual({ problem: 'No container named db exists yet' });
    expect(resolvePublishedPort('db', 80, db)).toEqual({ problem: 'port 80 of db is not published' });
  });
});

describe('judgeTcp', () => {
  it('passes when the connection opens', () => {
    expect(judgeTcp(checker({}), web, ok('0\n'), 3)).toEqual({ passed: true, message: 'port 8080 accepts connections' });
  });

  it('tells refused from unanswered', () => {
    expect(judgeTcp(checker({}), web, ok('1\n'), 3).message).toBe('Nothing is listening on port 8080');
    expect(judgeTcp(checker({}), web, ok('124\n'), 3).message).toBe('port 8080 did not accept a connection within 3 s');
  });
});

describe('judgeHttp', () => {
  const http = (fields: Partial<PortChecker> = {}) => checker({ protocol: 'http', ...fields });

  it('passes any 2xx or 3xx by default', () => {
    expect(judgeHttp(http(), web, ok('<html>Welcome to nginx!</html>\n200'), 9)).toEqual({ passed: true, message: 'GET / on port 8080 answered 200' });
    expect(judgeHttp(http(), web, ok('\n302'), 9).passed).toBe(true);
  });

  it('says which status it got, with the body', () => {
    const verdict = judgeHttp(http({ path: '/users' }), web, ok('<h1>Not Found</h1>\n404'), 9);
    expect(verdict.message).toBe('GET /users on port 8080 answered 404, expected a 2xx or 3xx status\nIt answered:\n<h1>Not Found</h1>');
    expect(judgeHttp(http({ status: 201 }), web, ok('\n200'), 9).message).toBe('GET / on port 8080 answered 200, expected 201\nThe answer was empty.');
  });

  it('matches the body pattern', () => {
    expect(judgeHttp(http({ body: 'Hello, \\w+' }), web, ok('Hello, Docker\n200'), 9).passed).toBe(true);
    expect(judgeHttp(http({ body: 'Hello, \\w+' }), web, ok('Bye\n200'), 9).message).toBe(
      'The answer to GET / on port 8080 does not match /Hello, \\w+/\nIt answered:\nBye',
    );
  });

  it('reads curl failures', () => {
    const refused = ok('\n000', 7, 'curl: (7) Failed to connect to 127.0.0.1 port 8080 after 0 ms: Connection refused\n');
    expect(judgeHttp(http(), web, refused, 9).message).toBe('Nothing is listening on port 8080');
    expect(judgeHttp(http(), web, ok('\n000', 28, 'curl: (28) Operation timed out'), 9).message).toBe('GET / on port 8080 got no answer within 9 s');
    const reset = ok('\n000', 56, 'curl: (56) Recv failure: Connection reset by peer\n');
    expect(judgeHttp(http(), web, reset, 9).message).toBe('GET / on port 8080 got no HTTP answer\ncurl: (56) Recv failure: Connection reset by peer');
  });
});

describe('evaluatePortChecker', () => {
  it('looks the published port up, then probes it', async () => {
    const commands: string[] = [];
    const shell: SandboxShell = {
      async run(command) {
        commands.push(command);
        return command.startsWith('docker inspect') ? ok(inspectJson) : ok('0\n');
      },
    };
    const verdict = await evaluatePortChecker(checker({ port: undefined, container: 'db', containerPort: 5432 }), shell, new AbortController().signal);
    expect(verdict).toEqual({ passed: true, message: 'port 5432 of db (published on 5432) accepts connections' });
    expect(commands).toEqual(["docker inspect --type container 'db'", tcpProbeCommand(5432, 3)]);
  });
});
