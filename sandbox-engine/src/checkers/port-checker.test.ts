import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { portCheckerSchema, type PortChecker } from '../contracts/checker.js';
import { inspectContainerCommand, readContainerInspect } from './container-inspect.js';
import { inspectAnswer } from './fixtures/inspect-answer.js';
import { evaluatePortChecker, judgeHttp, judgeTcp, resolvePublishedPort, type ProbeTarget } from './port-checker.js';
import { httpProbeCommand, parseHttpProbeOutput, parseTcpProbeOutput, probeSeconds, tcpProbeCommand } from './port-probe.js';
import type { SandboxShell, ShellResult } from './sandbox-shell.js';

const inspectJson = readFileSync(new URL('./fixtures/container-db-running.json', import.meta.url), 'utf8');
const db = readContainerInspect('db', inspectAnswer(inspectJson));

function checker(fields: Partial<PortChecker>): PortChecker {
  return portCheckerSchema.parse({ kind: 'port', port: 8080, ...fields });
}

const ok = (stdout: string, exitCode = 0, stderr = ''): ShellResult => ({ exitCode, stdout, stderr });
const web: ProbeTarget = { port: 8080, label: 'port 8080' };

/** Runs a command as the sandbox shell does (bash -c), here on the host. */
function runInBash(command: string): Promise<ShellResult> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', command], { timeout: 10_000 }, (error, stdout, stderr) => {
      resolve({ exitCode: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('probe commands', () => {
  it('the tcp probe connects to a listening port and is refused once it closes', async () => {
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const target: ProbeTarget = { port, label: `port ${port}` };
    try {
      const open = await runInBash(tcpProbeCommand(port, 3));
      expect(open.exitCode).toBe(0);
      expect(judgeTcp(checker({ port }), target, open, 3).passed).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const refused = await runInBash(tcpProbeCommand(port, 3));
    // The command itself exits 0 even when the probe fails: a failing probe is not a shell error.
    expect(refused.exitCode).toBe(0);
    expect([0, 124, -1]).not.toContain(parseTcpProbeOutput(refused.stdout));
    expect(judgeTcp(checker({ port }), target, refused, 3).passed).toBe(false);
  });

  it('the http probe hands curl the whole URL as one argument, and the time budget', async () => {
    const echoCurl = 'curl() { printf "%s\\n" "$@"; }; ';
    const args = (await runInBash(echoCurl + httpProbeCommand(8080, "/a b'c;$(id)", 9))).stdout.split('\n');
    expect(args).toContain("http://127.0.0.1:8080/a b'c;$(id)");
    expect(args[args.indexOf('--max-time') + 1]).toBe('9');
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
    const target = resolvePublishedPort('db', 5432, db);
    expect(target).toMatchObject({ port: 5432 });
    expect('label' in target && target.label).toContain('db');
  });

  it('explains why there is no port to probe', () => {
    const missing = resolvePublishedPort('db', 5432, undefined);
    const unpublished = resolvePublishedPort('db', 80, db);
    expect('problem' in missing && missing.problem).toContain('db');
    expect('problem' in unpublished && unpublished.problem).toMatch(/\b80\b.*\bdb\b/);
    expect(missing).not.toEqual(unpublished);
  });
});

describe('judgeTcp', () => {
  it('passes when the connection opens', () => {
    const verdict = judgeTcp(checker({}), web, ok('0\n'), 3);
    expect(verdict.passed).toBe(true);
    expect(verdict.message).toContain('port 8080');
  });

  it('tells refused from unanswered', () => {
    const refused = judgeTcp(checker({}), web, ok('1\n'), 3);
    const unanswered = judgeTcp(checker({}), web, ok('124\n'), 3);
    expect([refused.passed, unanswered.passed]).toEqual([false, false]);
    expect(refused.message).toContain('port 8080');
    expect(unanswered.message).toContain('port 8080');
    expect(unanswered.message).toMatch(/\b3 s\b/);
    expect(refused.message).not.toBe(unanswered.message);
  });

  it("says the lesson's own message instead, when it gives one", () => {
    expect(judgeTcp(checker({ message: 'Start the web server first.' }), web, ok('1\n'), 3)).toEqual({ passed: false, message: 'Start the web server first.' });
  });
});

describe('judgeHttp', () => {
  const http = (fields: Partial<PortChecker> = {}) => checker({ protocol: 'http', ...fields });

  it('passes any 2xx or 3xx by default, and nothing else', () => {
    const welcome = judgeHttp(http(), web, ok('<html>Welcome to nginx!</html>\n200'), 9);
    expect(welcome.passed).toBe(true);
    expect(welcome.message).toMatch(/port 8080.*\b200\b/);
    for (const status of [200, 204, 302, 399]) expect(judgeHttp(http(), web, ok(`\n${status}`), 9).passed).toBe(true);
    for (const status of [0, 101, 199, 400, 404, 500]) expect(judgeHttp(http(), web, ok(`\n${status}`), 9).passed).toBe(false);
  });

  it('says which status it got and which it expected, with the body', () => {
    const notFound = judgeHttp(http({ path: '/users' }), web, ok('<h1>Not Found</h1>\n404'), 9);
    expect(notFound.passed).toBe(false);
    for (const fact of ['/users', 'port 8080', '404', '<h1>Not Found</h1>']) expect(notFound.message).toContain(fact);
    const wrongStatus = judgeHttp(http({ status: 201 }), web, ok('\n200'), 9);
    expect(wrongStatus.passed).toBe(false);
    expect(wrongStatus.message).toMatch(/\b200\b[^\n]*\b201\b/);
    expect(wrongStatus.message).toMatch(/empty/);
    expect(judgeHttp(http({ status: 201 }), web, ok('\n201'), 9).passed).toBe(true);
  });

  it('matches the body pattern', () => {
    expect(judgeHttp(http({ body: 'Hello, \\w+' }), web, ok('Hello, Docker\n200'), 9).passed).toBe(true);
    const bye = judgeHttp(http({ body: 'Hello, \\w+' }), web, ok('Bye\n200'), 9);
    expect(bye.passed).toBe(false);
    expect(bye.message).toContain('Hello, \\w+');
    expect(bye.message).toContain('Bye');
  });

  it('reads curl failures', () => {
    const refused = judgeHttp(http(), web, ok('\n000', 7, 'curl: (7) Failed to connect to 127.0.0.1 port 8080 after 0 ms: Connection refused\n'), 9);
    // Refused reads the same whether the lesson probes TCP or HTTP.
    expect(refused).toEqual(judgeTcp(checker({}), web, ok('1\n'), 9));
    const timedOut = judgeHttp(http(), web, ok('\n000', 28, 'curl: (28) Operation timed out'), 9);
    expect(timedOut.passed).toBe(false);
    expect(timedOut.message).toMatch(/\b9 s\b/);
    const reset = judgeHttp(http(), web, ok('\n000', 56, 'curl: (56) Recv failure: Connection reset by peer\n'), 9);
    expect(reset.passed).toBe(false);
    expect(reset.message).toContain('curl: (56) Recv failure: Connection reset by peer');
    expect(new Set([refused.message, timedOut.message, reset.message]).size).toBe(3);
  });
});

describe('evaluatePortChecker', () => {
  it('looks the published port up, then probes it', async () => {
    const commands: string[] = [];
    const shell: SandboxShell = {
      async run(command) {
        commands.push(command);
        return command === inspectContainerCommand('db', 9) ? inspectAnswer(inspectJson) : ok('0\n');
      },
    };
    const verdict = await evaluatePortChecker(checker({ port: undefined, container: 'db', containerPort: 5432 }), shell, new AbortController().signal);
    expect(verdict.passed).toBe(true);
    expect(verdict.message).toContain('db');
    expect(commands).toEqual([inspectContainerCommand('db', 9), tcpProbeCommand(5432, 3)]);
  });
});
