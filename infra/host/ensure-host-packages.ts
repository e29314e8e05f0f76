import { readdir } from 'node:fs/promises';
import { commandExists } from '../lib/command-exists.js';
import { CommandError, runCommand, systemEnv } from '../../sandbox-engine/src/process/run-command.js';

export interface HostPackage {
  /** An executable the platform runs; when it is missing, `pkg` is installed. */
  command: string;
  /** The Debian package that provides it. */
  pkg: string;
}

/** What infra/ itself runs on the host. */
export const hostPackagesForPlatform: HostPackage[] = [
  { command: 'dockerd', pkg: 'docker.io' },
  { command: 'docker', pkg: 'docker.io' },
  { command: 'containerd', pkg: 'docker.io' },
  { command: 'debootstrap', pkg: 'debootstrap' },
  { command: 'mkfs.xfs', pkg: 'xfsprogs' },
  { command: 'losetup', pkg: 'mount' },
  { command: 'tar', pkg: 'tar' },
  // The sandbox daemon's bridge and the sandbox firewall.
  { command: 'ip', pkg: 'iproute2' },
  { command: 'iptables', pkg: 'iptables' },
  { command: 'ip6tables', pkg: 'iptables' },
];

/** What the end-to-end tests need on top (headless browser). */
export const hostPackagesForTests: HostPackage[] = [{ command: 'chromium', pkg: 'chromium' }];

const aptEnv = () => systemEnv({ DEBIAN_FRONTEND: 'noninteractive', NEEDRESTART_MODE: 'a' });

/** Installs, with apt-get, the packages whose command is missing on this machine. */
export async function ensureHostPackages(log: (line: string) => void, packages: HostPackage[]): Promise<void> {
  const missing: HostPackage[] = [];
  for (const entry of packages) {
    if (!(await commandExists(entry.command))) missing.push(entry);
  }
  const pkgs = [...new Set(missing.map((entry) => entry.pkg))];
  if (pkgs.length === 0) {
    log(`host packages: all ${packages.length} commands present`);
    return;
  }
  log(`host packages: missing ${missing.map((m) => m.command).join(', ')}; installing ${pkgs.join(' ')}`);
  const started = Date.now();

  let updated = false;
  if (!(await haveAptLists())) {
    await aptUpdate(log);
    updated = true;
  }
  try {
    await aptInstall(log, pkgs);
  } catch (error) {
    if (updated || !(error instanceof CommandError)) throw error;
    // Stale lists (a 404 on an old version, or an unknown package): refresh once and retry.
    log('host packages: install failed, refreshing package lists and retrying');
    await aptUpdate(log);
    await aptInstall(log, pkgs);
  }

  const stillMissing: string[] = [];
  for (const entry of missing) if (!(await commandExists(entry.command))) stillMissing.push(entry.command);
  if (stillMissing.length > 0) {
    throw new Error(`host packages: installed ${pkgs.join(' ')} but still missing: ${stillMissing.join(', ')}`);
  }
  log(`host packages: installed ${pkgs.join(' ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function haveAptLists(): Promise<boolean> {
  try {
    const files = await readdir('/var/lib/apt/lists');
    return files.some((file) => file.includes('_Packages'));
  } catch {
    return false;
  }
}

async function aptUpdate(log: (line: string) => void): Promise<void> {
  log('host packages: apt-get update');
  // A source that cannot be reached (only Debian's mirror is) makes apt-get update exit 100 while
  // Debian's own lists are fine: report it and let the install decide.
  const result = await runCommand('apt-get', ['update', '-q'], {
    env: aptEnv(),
    allowFailure: true,
    onLine: (line) => {
      if (/^(E|W|Err):/.test(line)) log(`  apt: ${line}`);
    },
  });
  if (result.code !== 0) log(`host packages: apt-get update exited ${result.code} (continuing)`);
}

async function aptInstall(log: (line: string) => void, pkgs: string[]): Promise<void> {
  let fetched = 0;
  let setUp = 0;
  await runCommand(
    'apt-get',
    ['install', '-y', '-q', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300', ...pkgs],
    {
      env: aptEnv(),
      onLine: (line) => {
        if (line.startsWith('Get:')) {
          fetched += 1;
          if (fetched % 20 === 0) log(`  apt: downloaded ${fetched} packages`);
        } else if (line.startsWith('Setting up ')) {
          setUp += 1;
          const name = /^Setting up ([^: ]+)/.exec(line)?.[1] ?? '';
          if (pkgs.includes(name)) log(`  apt: ${line}`);
        } else if (/^(E|W):/.test(line)) {
          log(`  apt: ${line}`);
        }
      },
    },
  );
  log(`  apt: ${fetched} downloaded, ${setUp} set up`);
}
