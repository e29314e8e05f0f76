import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Duplex, PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LEARNER_TERMINAL_ENV, LearnerTerminal, screenText } from './learner-terminal.js';

const sandboxBashrc = fileURLToPath(new URL('../../../infra/images/sandbox/bashrc', import.meta.url));
// `script` (util-linux) gives bash a real terminal, as docker exec -t does in a sandbox.
const hasScript = spawnSync('script', ['--version']).status === 0;

describe.skipIf(!hasScript)('LearnerTerminal on an interactive bash with the sandbox .bashrc', () => {
  let dir: string;
  let child: ChildProcess;
  let terminal: LearnerTerminal;
  const history = () => readFile(path.join(dir, 'history'), 'utf8').catch(() => '');

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'learner-terminal-'));
    const bashrc = (await readFile(sandboxBashrc, 'utf8')).replaceAll('/root/.bash_history', path.join(dir, 'history'));
    await writeFile(path.join(dir, 'bashrc'), bashrc);
    child = spawn('script', ['-qfec', `bash --rcfile ${path.join(dir, 'bashrc')} -i`, '/dev/null'], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, TERM: 'xterm-256color', LANG: 'C.UTF-8', ...Object.fromEntries(LEARNER_TERMINAL_ENV.map((v) => v.split('='))) },
    });
    terminal = new LearnerTerminal({ stream: Duplex.from({ writable: child.stdin!, readable: child.stdout! }) });
    await terminal.ready(10_000);
  });

  afterEach(async () => {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('types a command, waits for it, and the history holds just what was typed', async () => {
    const typed = await terminal.type('echo "hello $((6 * 7))"', 10_000);
    expect(typed.exitCode).toBe(0);
    expect(typed.output).toContain('hello 42');
    expect((await history()).trim().split('\n')).toEqual(['echo "hello $((6 * 7))"']);
  });

  it('reads the exit status, and keeps the shell: variables and the directory carry over', async () => {
    expect((await terminal.type('(exit 3)', 10_000)).exitCode).toBe(3);
    expect((await terminal.type('N=5; mkdir -p sub && cd sub', 10_000)).exitCode).toBe(0);
    const typed = await terminal.type('echo "n=$N in ${PWD##*/}"', 10_000);
    expect(typed.output).toContain('n=5 in sub');
  });

  it('types a block of lines with a here-document as the Run button does', async () => {
    const typed = await terminal.type("cat > note.txt <<'EOF'\nfirst $HOME\nEOF\nwc -l < note.txt", 10_000);
    expect(typed.exitCode).toBe(0);
    expect(await readFile(path.join(dir, 'note.txt'), 'utf8')).toBe('first $HOME\n');
    expect(await history()).toContain('wc -l < note.txt');
  });

  it('waits behind output that only looks like a prompt', async () => {
    const typed = await terminal.type("printf 'costs 5 $ '; sleep 0.6; echo; false", 10_000);
    expect(typed.exitCode).toBe(1);
  });

  it('presses Ctrl-C after the timeout and says so; the terminal still works', async () => {
    await expect(terminal.type('sleep 30', 1000)).rejects.toThrow(/did not finish within 1 s: the prompt did not come back/);
    expect((await terminal.type('echo still here', 10_000)).output).toContain('still here');
  });

  it('says when the shell ends', async () => {
    await expect(terminal.type('exit', 10_000)).rejects.toThrow(/the shell ended/);
  });
});

describe('LearnerTerminal and a prompt redrawn before the command runs', () => {
  it('waits for the prompt after the Enter, not the one readline redraws on a resize', async () => {
    // What a shell shows when its terminal is resized as a command is typed (SIGWINCH): the old
    // prompt again, then, a moment later, the echo of the line, its output and the new prompt.
    const prompt = '\x1b[1;32mroot@sandbox\x1b[0m:\x1b[1;34m~\x1b[0m# ';
    const output = new PassThrough();
    const input = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        const typed = chunk.toString();
        if (typed.endsWith('\r')) {
          output.write(`\r\x1b[K${prompt}`);
          setTimeout(() => output.write(`${typed.slice(0, -1)}\r\nran it\r\n${prompt}`), 600);
        }
        callback();
      },
    });
    const terminal = new LearnerTerminal({ stream: Duplex.from({ readable: output, writable: input }) });
    output.write(prompt);
    await terminal.ready(5000);
    expect(await terminal.typeUntilPrompt('docker run -d --name db postgres:15', 5000)).toContain('ran it');
    terminal.close();
  });
});

describe('screenText', () => {
  it('takes out colours, bracketed-paste switches and carriage returns', () => {
    expect(screenText('\x1b[?2004h\x1b[1;32mroot@sandbox\x1b[0m:\x1b[1;34m~\x1b[0m# ls\r\n')).toBe('root@sandbox:~# ls\n');
  });
});
