import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { containerCheckerSchema, type ContainerChecker } from '../contracts/checker.js';
import { judgeContainer } from './container-checker.js';
import { inspectContainerCommand, isPortPublished, readContainerInspect, type ContainerInspect } from './container-inspect.js';
import { inspectAnswer } from './fixtures/inspect-answer.js';

const runningJson = readFileSync(new URL('./fixtures/container-db-running.json', import.meta.url), 'utf8');

/** The fields of a container's inspect that these tests change. */
interface RawInspect {
  State: Record<string, unknown>;
  Config: { Image: string; Env: string[] | null };
  HostConfig: { PortBindings: Record<string, unknown>; PublishAllPorts?: boolean };
  NetworkSettings: { Ports: Record<string, unknown> };
}

/** The inspect of the running fixture, changed by `edit` (a deep copy each time). */
function inspect(edit: (raw: RawInspect) => void = () => {}): ContainerInspect {
  const raw = JSON.parse(runningJson);
  edit(raw);
  const container = readContainerInspect('db', inspectAnswer(raw));
  if (!container) throw new Error('fixture not found');
  return container;
}

/** What Docker 20.10 shows once the container stopped: no live port bindings. */
function exited(code: number) {
  return (raw: RawInspect) => {
    raw.State = { ...raw.State, Status: 'exited', Running: false, Pid: 0, ExitCode: code };
    raw.NetworkSettings.Ports = {};
  };
}

function checker(fields: Partial<ContainerChecker>): ContainerChecker {
  return containerCheckerSchema.parse({ kind: 'container', name: 'db', state: 'running', ...fields });
}

describe('readContainerInspect', () => {
  it('reads "no such container" (404) as absent', () => {
    expect(readContainerInspect('db', inspectAnswer({ message: 'No such container: db' }, 404))).toBeUndefined();
  });

  it('does not take a container whose id merely starts with the name', () => {
    const raw = JSON.parse(runningJson);
    raw.Name = '/web';
    expect(readContainerInspect('db', inspectAnswer(raw))).toBeUndefined();
  });

  it('throws when the daemon cannot be reached', () => {
    const stderr = 'curl: (7) Failed to connect to docker port 80 after 0 ms: Could not connect to server\n';
    expect(() => readContainerInspect('db', { exitCode: 7, stdout: '', stderr })).toThrow(
      /Inspecting db failed: the Docker daemon in the sandbox is not answering: curl: \(7\)/,
    );
  });

  it('throws on another status or an answer that is not an inspect', () => {
    expect(() => readContainerInspect('db', inspectAnswer({ message: 'server error' }, 500))).toThrow(/answered 500: .*server error/);
    expect(() => readContainerInspect('db', inspectAnswer('<html>'))).toThrow(SyntaxError);
    expect(() => readContainerInspect('db', inspectAnswer({ Name: '/db' }))).toThrow(/State/);
    expect(() => readContainerInspect('db', { exitCode: 0, stdout: 'no status line', stderr: '' })).toThrow(/answered 0/);
  });

  it('asks the daemon by the name, escaped for the URL and the shell, ignoring ~/.curlrc, within its time', () => {
    const command = inspectContainerCommand("a b'c", 9);
    expect(command).toContain("'http://docker/containers/a%20b'\\''c/json'");
    expect(command).toMatch(/^curl -q .*--path-as-is --max-time 9 /);
  });

  it('says when the daemon did not answer in time', () => {
    const stderr = 'curl: (28) Operation timed out after 9001 milliseconds with 0 bytes received\n';
    expect(() => readContainerInspect('db', { exitCode: 28, stdout: '', stderr })).toThrow(/did not answer in time/);
  });
});

describe('judgeContainer', () => {
  it('passes for the running postgres container with its env and port', () => {
    const verdict = judgeContainer(
      checker({ image: 'postgres:15', env: { POSTGRES_USER: 'docker' }, publishedPorts: [5432] }),
      inspect(),
    );
    expect(verdict).toEqual({ passed: true, message: 'db is running, created from postgres:15' });
  });

  it('says when there is no such container', () => {
    expect(judgeContainer(checker({}), undefined)).toEqual({ passed: false, message: 'No container named db exists yet' });
    expect(judgeContainer(checker({ state: 'absent' }), undefined).passed).toBe(true);
  });

  it('says the container is exited, with its exit code', () => {
    expect(judgeContainer(checker({}), inspect(exited(1))).message).toBe('db exists but is exited (expected running); it stopped with exit code 1');
    expect(judgeContainer(checker({ state: 'exists' }), inspect(exited(1))).passed).toBe(true);
    expect(judgeContainer(checker({ state: 'exited' }), inspect(exited(0))).passed).toBe(true);
  });

  it('does not count a created (never started) container as exited', () => {
    const created = inspect((raw) => (raw.State = { ...raw.State, Status: 'created', Running: false }));
    expect(judgeContainer(checker({ state: 'exited' }), created).message).toBe('db exists but is created (expected exited)');
  });

  it('fails state absent while the container exists', () => {
    expect(judgeContainer(checker({ state: 'absent' }), inspect()).message).toBe(
      'A container named db still exists (it is running); expected it to be removed',
    );
  });

  it('compares the image the learner typed, normalised', () => {
    expect(judgeContainer(checker({ image: 'docker.io/library/postgres:15' }), inspect()).passed).toBe(true);
    const latest = inspect((raw) => (raw.Config.Image = 'postgres'));
    expect(judgeContainer(checker({ image: 'postgres:latest' }), latest).passed).toBe(true);
    const debian = inspect((raw) => (raw.Config.Image = 'debian:bookworm'));
    expect(judgeContainer(checker({ image: 'postgres:15' }), debian).message).toBe('db was created from debian:bookworm, expected postgres:15');
  });

  it('names each missing or different environment variable', () => {
    const noUser = inspect((raw) => (raw.Config.Env = raw.Config.Env?.filter((e) => !e.startsWith('POSTGRES_USER=')) ?? null));
    expect(judgeContainer(checker({ env: { POSTGRES_USER: 'docker' } }), noUser).message).toBe('db has no POSTGRES_USER=docker');
    const verdict = judgeContainer(checker({ env: { POSTGRES_USER: 'docker', POSTGRES_PASSWORD: 'secret', POSTGRES_DB: 'app' } }), inspect());
    expect(verdict.message).toBe('db has POSTGRES_PASSWORD=docker, expected POSTGRES_PASSWORD=secret\ndb has no POSTGRES_DB=app');
  });

  it('treats a null Env (image without any) as empty', () => {
    const noEnv = inspect((raw) => (raw.Config.Env = null));
    expect(judgeContainer(checker({ env: { A: 'b' } }), noEnv).message).toBe('db has no A=b');
  });

  it('says an exposed but unpublished port is not published', () => {
    const unpublished = inspect((raw) => {
      raw.HostConfig.PortBindings = {};
      raw.NetworkSettings.Ports = { '5432/tcp': null };
    });
    expect(judgeContainer(checker({ publishedPorts: [5432] }), unpublished).message).toBe('port 5432 of db is not published');
  });

  it('lists every problem at once, and lets the lesson message replace them', () => {
    const wrong = inspect((raw) => {
      exited(1)(raw);
      raw.Config.Image = 'debian:bookworm';
    });
    const verdict = judgeContainer(checker({ image: 'postgres:15' }), wrong);
    expect(verdict.message.split('\n')).toHaveLength(2);
    expect(judgeContainer(checker({ image: 'postgres:15', message: 'Start the database first' }), wrong)).toEqual({
      passed: false,
      message: 'Start the database first',
    });
  });
});

describe('isPortPublished', () => {
  it('reads live bindings of a running container', () => {
    expect(isPortPublished(inspect(), 5432)).toBe(true);
    expect(isPortPublished(inspect(), 80)).toBe(false);
  });

  it('falls back to the configuration of a stopped container (-p and -P)', () => {
    expect(isPortPublished(inspect(exited(0)), 5432)).toBe(true);
    const publishAll = inspect((raw) => {
      exited(0)(raw);
      raw.HostConfig.PortBindings = {};
      raw.HostConfig.PublishAllPorts = true;
    });
    expect(isPortPublished(publishAll, 5432)).toBe(true);
    expect(isPortPublished(publishAll, 80)).toBe(false);
  });
});
