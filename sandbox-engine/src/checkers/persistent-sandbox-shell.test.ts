import { Duplex, type Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ExecOutputFloodError, ExecTimeoutError, type PipeOutput } from '../drivers/sandbox-driver.js';
import { createLogger } from '../log/logger.js';
import { PersistentSandboxShell } from './persistent-sandbox-shell.js';
import type { SandboxShell, ShellResult } from './sandbox-shell.js';

/** Plays the server in the sandbox: the requests the engine wrote, and a way to answer on its stdout. */
class FakeServer {
  readonly requests: string[] = [];
  readonly stream: Duplex;
  constructor(private readonly output: PipeOutput) {
    this.stream = new Duplex({
      read() {},
      write: (chunk: Buffer, _encoding, done) => {
        this.requests.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
  }
  /** The command of request `id`. */
  command(id: number): string {
    const request = this.requests.find((line) => line.startsWith(`R ${id} `));
    return Buffer.from(request?.split(' ')[3] ?? '', 'hex').toString('utf8');
  }
  say(bytes: string | Buffer): void {
    (this.output.stdout as Writable).write(bytes);
  }
  complain(bytes: string | Buffer): void {
    (this.output.stderr as Writable).write(bytes);
  }
  reply(id: number, exitCode: number, stdout: string, stderr = ''): void {
    this.say(`S ${id}\nD ${id} ${exitCode} ${Buffer.byteLength(stdout)} ${Buffer.byteLength(stderr)}\n${stdout}${stderr}\n`);
  }
}

function setUp(options: { openFails?: boolean; killGraceMs?: number } = {}) {
  const servers: FakeServer[] = [];
  const fallbackRuns: string[] = [];
  const fallback: SandboxShell = {
    run: async (command) => {
      fallbackRuns.push(command);
      return { exitCode: 0, stdout: `one-off: ${command}`, stderr: '' };
    },
  };
  const driver = {
    openPipe: async (_containerId: string, argv: string[], output: PipeOutput) => {
      expect(argv.slice(0, 2)).toEqual(['perl', '-e']);
      if (options.openFails) throw new Error('No such container');
      const server = new FakeServer(output);
      servers.push(server);
      return server.stream;
    },
  };
  const shell = new PersistentSandboxShell({ driver, containerId: 'c1', fallback, log: createLogger('error'), killGraceMs: options.killGraceMs ?? 200 });
  const run = (command: string, timeoutMs = 5000, signal = AbortSignal.timeout(60_000)) => shell.run(command, { timeoutMs, signal });
  return { shell, servers, fallbackRuns, run };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** The next run goes to a second exec (the first was given up), which answers it. */
async function expectNextRunOnFreshExec(servers: FakeServer[], run: ReturnType<typeof setUp>['run'], word: string): Promise<void> {
  const next = run(`echo ${word}`);
  await tick();
  expect(servers).toHaveLength(2);
  servers[1]!.reply(1, 0, `${word}\n`);
  expect((await next).stdout).toBe(`${word}\n`);
}

describe('PersistentSandboxShell', () => {
  it('opens one exec at the first run and matches concurrent replies by id, in any order', async () => {
    const { servers, run } = setUp();
    const first = run('echo one');
    const second = run('echo two; exit 4');
    await tick();
    expect(servers).toHaveLength(1);
    const [server] = servers;
    expect([server!.command(1), server!.command(2)]).toEqual(['echo one', 'echo two; exit 4']);
    server!.reply(2, 4, 'two\n', 'warning\n');
    server!.reply(1, 0, 'one\n');
    expect(await first).toEqual<ShellResult>({ exitCode: 0, stdout: 'one\n', stderr: '' });
    expect(await second).toEqual<ShellResult>({ exitCode: 4, stdout: 'two\n', stderr: 'warning\n' });
    const third = run('true');
    await tick();
    server!.reply(3, 0, '');
    await third;
    expect(servers).toHaveLength(1);
  });

  it('at its timeout rejects, asks the server to kill the command, and ignores the late reply', async () => {
    const { servers, run, shell } = setUp();
    const hung = run('sleep 1000', 50);
    await tick();
    servers[0]!.say('S 1\n');
    await expect(hung).rejects.toBeInstanceOf(ExecTimeoutError);
    expect(servers[0]!.requests).toContain('K 1');
    servers[0]!.say('D 1 137 0 0\n\n');
    await tick();
    expect(shell.connected).toBe(true);
  });

  it('on abort rejects with the reason and kills the command', async () => {
    const { servers, run } = setUp();
    const controller = new AbortController();
    const running = run('sleep 1000', 5000, controller.signal);
    await tick();
    controller.abort(new Error('cancelled by the learner'));
    await expect(running).rejects.toThrow('cancelled by the learner');
    expect(servers[0]!.requests).toContain('K 1');
  });

  it('counts a server that does not answer a kill as hung: the next run gets a fresh exec', async () => {
    const { servers, run, shell } = setUp({ killGraceMs: 30 });
    await expect(run('sleep 1000', 20)).rejects.toBeInstanceOf(ExecTimeoutError);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(shell.connected).toBe(false);
    expect(servers[0]!.stream.destroyed).toBe(true);
    await expectNextRunOnFreshExec(servers, run, 'again');
  });

  it('on a malformed frame fails its runs (a started one with a clear error, the others through a one-off exec) and never throws', async () => {
    const { servers, run, fallbackRuns, shell } = setUp();
    const started = run('docker ps');
    const notStarted = run('docker images');
    await tick();
    servers[0]!.say('S 1\n');
    servers[0]!.say('\u0000\u0001 flood of garbage from the learner\n');
    await expect(started).rejects.toThrow(/check shell in the sandbox sent a malformed reply .* while the command ran/);
    expect((await notStarted).stdout).toBe('one-off: docker images');
    expect(fallbackRuns).toEqual(['docker images']);
    expect(shell.connected).toBe(false);
    expect(servers[0]!.stream.destroyed).toBe(true);
  });

  it.each([
    ['a reply to a request never sent', 'D 9 0 0 0\n\n'],
    ['a second start', 'S 1\nS 1\n'],
    ['a reply to a request already answered', 'D 1 0 0 0\n\nD 1 0 0 0\n\n'],
    ['an output over the 1 MiB kept', `D 1 0 ${1024 * 1024 + 1} 0\n`],
  ])('fails on %s', async (_name, frames) => {
    const { servers, run, shell } = setUp();
    const pending = run('true').catch((error: Error) => error);
    await tick();
    servers[0]!.say(frames);
    await pending;
    expect(shell.connected).toBe(false);
  });

  it('keeps a few lines of the server’s stderr for the log, and drops a server flooding it', async () => {
    const { servers, run, shell } = setUp();
    const pending = run('true');
    await tick();
    servers[0]!.complain('a perl warning\n');
    expect(shell.connected).toBe(true);
    for (let i = 0; i < 100; i += 1) servers[0]!.complain('x'.repeat(1024));
    expect(shell.connected).toBe(false);
    // It had not said the command started: a one-off exec runs it.
    expect((await pending).stdout).toBe('one-off: true');
  });

  it('rejects a command the server stopped for printing too much (O), as a one-off exec does', async () => {
    const { servers, run, shell } = setUp();
    const flooding = run('yes');
    await tick();
    servers[0]!.say('S 1\nO 1 8400000\n');
    await expect(flooding).rejects.toThrow(ExecOutputFloodError);
    await expect(flooding).rejects.toThrow('the command printed more than 8203 KiB; it was stopped');
    expect(shell.connected).toBe(true);
  });

  it('drops a half character at the start of a kept tail, as a one-off exec does', async () => {
    const { servers, run } = setUp();
    const cut = run('tail');
    await tick();
    // "é" is c3 a9: a tail starting at its second byte.
    servers[0]!.say(Buffer.concat([Buffer.from('S 1\nD 1 0 4 0\n'), Buffer.from([0xa9]), Buffer.from('abc\n')]));
    expect((await cut).stdout).toBe('abc');
  });

  it('runs a command the server refused (F) as a one-off exec', async () => {
    const { servers, run } = setUp();
    const refused = run('true');
    await tick();
    servers[0]!.say('F 1\n');
    expect((await refused).stdout).toBe('one-off: true');
  });

  it('when the exec ends, fails its pending runs and starts a fresh one on the next run', async () => {
    const { servers, run } = setUp();
    const started = run('sleep 5');
    await tick();
    servers[0]!.say('S 1\n');
    servers[0]!.stream.destroy();
    await expect(started).rejects.toThrow(/check shell in the sandbox ended while the command ran/);
    await expectNextRunOnFreshExec(servers, run, 'fresh');
  });

  it('runs as a one-off exec when the exec cannot start', async () => {
    const { run, fallbackRuns } = setUp({ openFails: true });
    expect((await run('echo hi')).stdout).toBe('one-off: echo hi');
    expect(fallbackRuns).toEqual(['echo hi']);
  });

  it('after three execs in a row that ended without a reply (no perl in the sandbox?), runs one-off execs only', async () => {
    const { servers, run, fallbackRuns } = setUp();
    for (let exec = 1; exec <= 3; exec += 1) {
      const lost = run(`try ${exec}`);
      await tick();
      servers[exec - 1]!.stream.destroy();
      expect((await lost).stdout).toBe(`one-off: try ${exec}`);
    }
    expect((await run('then')).stdout).toBe('one-off: then');
    expect(servers).toHaveLength(3);
    expect(fallbackRuns).toEqual(['try 1', 'try 2', 'try 3', 'then']);
  });

  it('an exec that answered resets that count: a learner killing the server now and then costs nothing more', async () => {
    const { servers, run } = setUp();
    for (let exec = 1; exec <= 4; exec += 1) {
      const ran = run('true');
      await tick();
      servers[exec - 1]!.reply(1, 0, 'ok');
      await ran;
      servers[exec - 1]!.stream.destroy();
      await tick();
    }
    const last = run('true');
    await tick();
    expect(servers).toHaveLength(5);
    servers[4]!.reply(1, 0, '');
    await last;
  });

  it('rejects what bash could not be given, without sending it', async () => {
    const { run, servers } = setUp();
    await expect(run('echo \0')).rejects.toThrow(/NUL/);
    await tick();
    expect(servers[0]?.requests ?? []).toEqual([]);
  });

  it('closed: rejects pending and later runs and ends its exec', async () => {
    const { servers, run, shell, fallbackRuns } = setUp();
    const pending = run('sleep 5');
    await tick();
    shell.close();
    await expect(pending).rejects.toThrow(/closed/);
    await expect(run('true')).rejects.toThrow(/session ended/);
    expect(servers[0]!.stream.destroyed).toBe(true);
    expect(fallbackRuns).toEqual([]);
  });

  it('closed while the exec was still starting: the exec is ended as soon as it is up', async () => {
    const { servers, run, shell } = setUp();
    const pending = run('true').catch((error: Error) => error);
    shell.close();
    expect(await pending).toBeInstanceOf(Error);
    await tick();
    expect(servers[0]!.stream.destroyed).toBe(true);
  });
});
