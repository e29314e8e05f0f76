import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerBuild } from '../../infra/images/docker-build.js';
import { importTree } from '../../infra/images/import-tree.js';
import { pushImage } from '../../infra/registry/push-image.js';
import { waitUntil } from '../../sandbox-engine/src/process/wait-until.js';
import { labelKeys } from '../../sandbox-engine/src/contracts/docker-labels.js';
import { docker, requireDocker } from '../support/docker-state.js';

// Every name is new to this run: the catalog's images (used by other tests right now) are only read.
const run = `dockyard-test-infra-${randomBytes(4).toString('hex')}`;
const labels = { [labelKeys.managed]: 'true', [labelKeys.role]: 'test', [labelKeys.instance]: `test-${run}` };
const images = new Set<string>();
const containers = new Set<string>();
let scratch: string;

/** Runs `image` once (no network) and returns what it printed. */
async function output(image: string, cmd?: string[]): Promise<string> {
  const container = await docker.createContainer({ Image: image, Cmd: cmd, Labels: labels, HostConfig: { NetworkMode: 'none' } });
  containers.add(container.id);
  const stream = await container.attach({ stream: true, stdout: true, stderr: true });
  const sink = new PassThrough();
  let text = '';
  sink.on('data', (chunk: Buffer) => (text += chunk.toString()));
  container.modem.demuxStream(stream, sink, sink);
  await container.start();
  const { StatusCode } = (await container.wait()) as { StatusCode: number };
  expect(StatusCode, text).toBe(0);
  return text;
}

async function context(name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(scratch, name);
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
  return dir;
}

describe('infra reaches Docker through dockerode: build, import, push', () => {
  beforeAll(async () => {
    await requireDocker();
    scratch = await mkdtemp(path.join(tmpdir(), 'dockyard-infra-build-'));
  });
  afterAll(async () => {
    for (const id of containers) await docker.getContainer(id).remove({ force: true, v: true }).catch(() => undefined);
    for (const ref of images) await docker.getImage(ref).remove({ force: true }).catch(() => undefined);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('builds from a tar-streamed context: one log line per step, every tag, labels, modes and links kept', async () => {
    const dir = await context('ok', {
      Dockerfile: [
        'FROM debian:bookworm',
        'COPY . /ctx/',
        'RUN test -x /ctx/bin/hello && test "$(readlink /ctx/link)" = bin/hello && echo built-ok',
        'CMD ["/ctx/link"]',
      ].join('\n'),
      'bin/hello': '#!/bin/sh\necho "hello from $(cat /ctx/data/note.txt)"\n',
      'data/note.txt': 'the context',
    });
    await chmod(path.join(dir, 'bin/hello'), 0o755);
    await symlink('bin/hello', path.join(dir, 'link'));
    const [ref, alias] = [`${run}:1`, `${run}:alias`];
    images.add(ref).add(alias);
    const lines: string[] = [];

    const id = await dockerBuild((line) => lines.push(line), { contextDir: dir, tags: [ref, alias], labels: { 'org.dockyard.test': run } });

    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The labels come as the builder's last step.
    expect(lines.filter((line) => line.startsWith('  step '))).toEqual([
      '  step 1/5: FROM debian:bookworm',
      '  step 2/5: COPY . /ctx/',
      expect.stringContaining('  step 3/5: RUN test -x /ctx/bin/hello'),
      '  step 4/5: CMD ["/ctx/link"]',
      `  step 5/5: LABEL org.dockyard.test=${run}`,
    ]);
    expect(lines.at(-1)).toMatch(new RegExp(`^  built ${ref} in \\d+\\.\\d s$`));
    for (const tag of [ref, alias]) {
      const inspected = await docker.getImage(tag).inspect();
      expect(inspected.Id).toBe(id);
      expect(inspected.Config.Labels?.['org.dockyard.test']).toBe(run);
    }
    expect((await output(ref)).trim()).toBe('hello from the context');
  });

  it('fails a build whose RUN step fails, with the step and the end of its output, and tags nothing', async () => {
    // FROM and a failing RUN only: a step that succeeded would leave an untagged cache image behind.
    const dir = await context('failing', {
      Dockerfile: ['FROM debian:bookworm', 'RUN for i in $(seq -w 1 30); do echo "output-line-$i"; done; echo "before-failure-$((6 * 7))"; exit 3'].join('\n'),
    });
    const ref = `${run}:failing`;
    images.add(ref);

    const build = dockerBuild(() => undefined, { contextDir: dir, tags: [ref], labels: {} });

    await expect(build).rejects.toThrow(/failed at step 2\/2: RUN for i in .*returned a non-zero code: 3/);
    await expect(build).rejects.toThrow(/last lines of the step's output:\n( {4}output-line-\d\d\n)+ {4}before-failure-42$/);
    // The last lines, not all of them.
    await expect(build).rejects.toThrow(/output-line-30/);
    await expect(build).rejects.not.toThrow(/output-line-01/);
    await expect(docker.getImage(ref).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('fails a build whose Dockerfile the engine rejects, and one whose context cannot be read', async () => {
    const bad = await context('bad-instruction', { Dockerfile: 'FROM debian:bookworm\nNOT-AN-INSTRUCTION x\n' });
    images.add(`${run}:bad`);
    await expect(dockerBuild(() => undefined, { contextDir: bad, tags: [`${run}:bad`], labels: {} })).rejects.toThrow(
      /docker build of .*bad-instruction failed: .*unknown instruction/i,
    );
    const missing = path.join(scratch, 'no-such-context');
    images.add(`${run}:no-context`);
    await expect(dockerBuild(() => undefined, { contextDir: missing, tags: [`${run}:no-context`], labels: {} })).rejects.toThrow(
      /docker build of .*no-such-context failed: build context .*no-such-context: ENOENT/,
    );
  });

  it('imports a root filesystem tree with its CMD, ENV and labels, and names it only when tar succeeded', async () => {
    // The tree: the Debian base's files, exported from a container that never runs.
    const tree = path.join(scratch, 'tree');
    await mkdir(tree);
    const source = await docker.createContainer({ Image: 'debian:bookworm', Labels: labels });
    containers.add(source.id);
    const exported = await source.export();
    const untar = spawn('tar', ['-x', '-C', tree], { stdio: ['pipe', 'ignore', 'inherit'] });
    exported.pipe(untar.stdin);
    expect(await new Promise((resolve) => untar.on('close', resolve))).toBe(0);
    await writeFile(path.join(tree, 'etc', 'imported-note'), 'imported through the API\n');
    const ref = `${run}:imported`;
    images.add(ref);

    const id = await importTree({
      tree,
      ref,
      changes: ['CMD ["cat", "/etc/imported-note"]', 'ENV IMPORTED=yes', `LABEL org.dockyard.test=${run}`],
    });

    const inspected = await docker.getImage(ref).inspect();
    expect(inspected.Id).toBe(id);
    expect(inspected.Config.Labels?.['org.dockyard.test']).toBe(run);
    expect(inspected.Config.Env).toContain('IMPORTED=yes');
    expect(await output(ref)).toBe('imported through the API\n');
    expect((await output(ref, ['sh', '-c', 'echo $IMPORTED; cat /etc/debian_version'])).trim()).toMatch(/^yes\n12\./);

    const missing = `${run}:missing-tree`;
    images.add(missing);
    await expect(importTree({ tree: path.join(scratch, 'no-such-tree'), ref: missing, changes: [] })).rejects.toThrow(/no-such-tree/);
    await expect(docker.getImage(missing).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('pushes to an auth-less registry (its manifest names the image) and fails clearly when none answers', async () => {
    const registry = await docker.createContainer({
      Image: 'dockyard/registry:latest',
      Labels: labels,
      ExposedPorts: { '5000/tcp': {} },
      HostConfig: { PortBindings: { '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    });
    containers.add(registry.id);
    await registry.start();
    const info = await registry.inspect();
    const port = info.NetworkSettings.Ports['5000/tcp']?.[0]?.HostPort;
    expect(port).toMatch(/^\d+$/);
    const probe = () => fetch(`http://127.0.0.1:${port}/v2/`, { signal: AbortSignal.timeout(2000) }).then((response) => response.ok, () => false);
    const answers = await waitUntil(probe, {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    expect(answers, 'the temporary registry answers /v2/').toBe(true);

    // A one-file image: pushed in a moment.
    const tree = await context('tiny-tree', { 'hello.txt': 'pushed\n' });
    const source = `${run}:tiny`;
    images.add(source);
    await importTree({ tree, ref: source, changes: [] });
    const name = `127.0.0.1:${port}/library/${run}`;
    images.add(`${name}:1`);
    await docker.getImage(source).tag({ repo: name, tag: '1' });
    const lines: string[] = [];

    const digest = await pushImage((line) => lines.push(line), docker, name, '1');

    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const manifest = await fetch(`http://127.0.0.1:${port}/v2/library/${run}/manifests/1`, {
      headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
      signal: AbortSignal.timeout(10_000),
    }).then((response) => response.json() as Promise<{ config: { digest: string } }>);
    expect(manifest.config.digest).toBe((await docker.getImage(source).inspect()).Id);

    // Nothing listens there any more once the registry is gone.
    await registry.remove({ force: true, v: true });
    containers.delete(registry.id);
    await expect(pushImage(() => undefined, docker, name, '1')).rejects.toThrow(new RegExp(`pushing ${name}:1 failed: .*(connection refused|connect)`, 'i'));
  });
});
