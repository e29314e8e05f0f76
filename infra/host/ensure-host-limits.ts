import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * Host-wide counts that every sandbox's root shares with the host's root or with the other
 * sandboxes (the kernel counts per host uid): raised at setup, never lowered, so each sandbox's own
 * share (sandbox-engine/src/isolation/user-namespace-limits.ts) is enough for an inner daemon and the
 * host's root keeps half. Teardown puts back what was there before.
 */
export const hostLimitMinimums = [
  // Each sandbox gets up to 128 inotify instances and 65,536 watches of its own (Debian: 128 / ~190k).
  { path: '/proc/sys/fs/inotify/max_user_instances', minimum: 8192 },
  { path: '/proc/sys/fs/inotify/max_user_watches', minimum: 1_048_576 },
  // runc takes a session keyring (one key) for each container start and each exec that runs (a
  // terminal, a check): every sandbox's root is the same host uid, whose default is 200 keys.
  { path: '/proc/sys/kernel/keys/maxkeys', minimum: 20_000 },
  { path: '/proc/sys/kernel/keys/maxbytes', minimum: 2_000_000 },
  // Counted per host uid (all sandboxes together), but their memory is charged to each sandbox's
  // memory limit: set above what all of the host's memory could hold, the memory limit is what
  // bounds each sandbox. (Debian's 5.5M epoll watches fit in 1 GiB: one 2 GiB sandbox could take
  // them all, and every Go daemon of every other sandbox fails to poll.)
  { path: '/proc/sys/fs/epoll/max_user_watches', minimum: Math.ceil(totalmem() / 64) },
  { path: '/proc/sys/fs/pipe-user-pages-soft', minimum: Math.ceil(totalmem() / 4096) },
  // The kernel keeps one neighbour table (ARP; NDP for IPv6) for every network namespace, and never
  // takes an entry younger than 5 s back for a newcomer: at Debian's 1,024, a sandbox's root adding
  // entries in its own namespace left the host and every other sandbox without a new one (another
  // learner whose gateway entry expired reached nothing). One CPU adds about 25,000 a second and keeps
  // about 80,000 young per family (test/security/neighbour-table-attacks.ts): room for all the host's
  // CPUs, 3x. Entries (~400 B) are not charged to a sandbox's memory: this also caps them, at ~100 MB
  // per CPU and family (~210 MB per CPU for ARP and NDP together; permanent entries are not capped:
  // README, Security model, known gap).
  ...(['ipv4', 'ipv6'] as const).map((family) => ({ path: `/proc/sys/net/${family}/neigh/default/gc_thresh3`, minimum: Math.max(65_536, cpus().length * 262_144) })),
];

const SAVED_FILE = 'host-limits-before.json';

const read = (path: string) => Number(readFileSync(path, 'utf8').trim());
const savedSchema = z.record(z.string(), z.number().int().nonnegative());
const readSaved = (savedPath: string) => (existsSync(savedPath) ? savedSchema.parse(JSON.parse(readFileSync(savedPath, 'utf8'))) : {});

/** Raises each limit below its minimum; remembers the first values it found (for teardown). */
export function ensureHostLimits(log: (line: string) => void, dataDir: string): void {
  const savedPath = join(dataDir, SAVED_FILE);
  const saved = readSaved(savedPath);
  const raised: string[] = [];
  for (const { path, minimum } of hostLimitMinimums) {
    const value = read(path);
    if (value >= minimum) continue;
    saved[path] ??= value;
    writeFileSync(path, `${minimum}\n`);
    raised.push(`${path.replace('/proc/sys/', '').replaceAll('/', '.')} ${value} → ${minimum}`);
  }
  if (raised.length > 0) writeFileSync(savedPath, `${JSON.stringify(saved, null, 2)}\n`);
  log(raised.length > 0 ? `host limits: raised ${raised.join(', ')}` : 'host limits: high enough');
}

/** Teardown: the values setup found, where it raised them. */
export function restoreHostLimits(log: (line: string) => void, dataDir: string): void {
  const savedPath = join(dataDir, SAVED_FILE);
  const saved = readSaved(savedPath);
  for (const { path } of hostLimitMinimums) {
    const value = saved[path];
    if (value === undefined) continue;
    writeFileSync(path, `${value}\n`);
    log(`host limits: ${path.replace('/proc/sys/', '').replaceAll('/', '.')} back to ${value}`);
  }
  rmSync(savedPath, { force: true });
}
