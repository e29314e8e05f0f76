import type Docker from 'dockerode';
import type { KeyTarget } from './keystroke-echo.js';

export interface ExecTty extends KeyTarget {
  close(): void;
}

/**
 * `docker exec -it <sandbox> bash -l` without the CLI: an exec with a TTY and its hijacked stream,
 * straight from this process to the Docker daemon that runs the sandbox. The shell is the one the
 * engine opens for a learner's terminal (same command, directory and environment), so timing a
 * keystroke here and through socket.io compares the two paths to the same shell.
 */
export async function openExecTty(docker: Docker, containerId: string, cols = 120, rows = 30): Promise<ExecTty> {
  const exec = await docker.getContainer(containerId).exec({
    Cmd: ['bash', '-l'],
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: true,
    WorkingDir: '/root',
    Env: ['TERM=xterm-256color', 'LANG=C.UTF-8', 'HOME=/root'],
  });
  const stream = await exec.start({ hijack: true, stdin: true, Tty: true });
  stream.on('error', () => undefined);
  await exec.resize({ w: cols, h: rows }).catch(() => undefined);
  return {
    write: (data) => void stream.write(data),
    onOutput(listener) {
      const onData = (chunk: Buffer) => listener(chunk.toString('utf8'));
      stream.on('data', onData);
      return () => stream.off('data', onData);
    },
    close: () => {
      stream.write('exit\r');
      stream.end();
      setTimeout(() => stream.destroy(), 1000).unref();
    },
  };
}
