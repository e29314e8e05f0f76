import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** What the lock file says about the engine holding it. */
const lockHolderSchema = z
  .object({
    pid: z.number().int().positive(),
    /** The process's start time in clock ticks since boot (/proc/<pid>/stat), so a reused pid is not taken for it. */
    processStart: z.string().max(32).optional(),
    startedAt: z.string().max(40),
    instance: z.string().max(64),
    url: z.string().max(300).optional(),
  })
  .strict();
export type LockHolder = z.infer<typeof lockHolderSchema>;

export class EngineLockedError extends Error {
  override name = 'EngineLockedError';
  constructor(
    readonly holder: LockHolder,
    readonly file: string,
  ) {
    super(
      `Another Dockyard engine already runs on this data directory as instance "${holder.instance}": ` +
        `pid ${holder.pid}, started ${holder.startedAt}${holder.url ? `, serving ${holder.url}` : ''}. ` +
        `Two engines on the same sandboxes would remove each other's. Stop that one first ` +
        `(or give this one its own DOCKYARD_INSTANCE). Lock file: ${file}`,
    );
  }
}

/** A process's start time from /proc (undefined where there is no /proc, or the process is gone). */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3, starttime field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether the process that wrote this lock still runs (the same process, not a reused pid). */
export function holderAlive(holder: LockHolder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const started = processStartTime(holder.pid);
  return holder.processStart === undefined || started === undefined || started === holder.processStart;
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const parsed = lockHolderSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export interface EngineLock {
  readonly file: string;
  /** Adds the URL once the engine listens, for the message a second engine prints. */
  update(url: string): Promise<void>;
  release(): Promise<void>;
}

/** A lock being taken over is left alone this long before it counts as abandoned too. */
const TAKEOVER_STALE_MS = 10_000;

/**
 * One engine per data directory and instance: `<dataDir>/engine-<instance>.lock`, made atomically
 * (a hard link of a file written in full, so nobody reads half a lock) and held for the process's
 * life. A second engine is refused with an EngineLockedError naming the first (pid, start time,
 * URL). A lock whose process is gone (a crash, SIGKILL, a reboot) is taken over, one taker at a
 * time (an exclusive `.takeover` file), so two engines starting at once after a crash cannot both win.
 */
export async function acquireEngineLock(dataDir: string, instance: string, pid = process.pid): Promise<EngineLock> {
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, `engine-${instance}.lock`);
  const holder: LockHolder = { pid, processStart: processStartTime(pid), startedAt: new Date().toISOString(), instance };
  const tmp = `${file}.${pid}-${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, JSON.stringify(holder), { mode: 0o644 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(tmp, file);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw error;
      }
      const current = parseHolder(await readFile(file, 'utf8').catch(() => ''));
      if (current && holderAlive(current)) throw new EngineLockedError(current, file);
      await takeOver(file, current);
    }
  } finally {
    await rm(tmp, { force: true });
  }
  let current = holder;
  return {
    file,
    update: async (url) => {
      current = { ...current, url };
      await writeFile(tmp, JSON.stringify(current), { mode: 0o644 });
      await rename(tmp, file);
    },
    release: async () => {
      const text = await readFile(file, 'utf8').catch(() => '');
      if (parseHolder(text)?.pid === pid) await rm(file, { force: true });
    },
  };
}

/** Removes a dead engine's (or an unreadable) lock, unless another taker is at it. */
async function takeOver(file: string, dead: LockHolder | undefined): Promise<void> {
  const guard = `${file}.takeover`;
  const age = await stat(guard).then((info) => Date.now() - info.mtimeMs, () => undefined);
  if (age !== undefined && age > TAKEOVER_STALE_MS) await rm(guard, { force: true });
  try {
    await writeFile(guard, String(process.pid), { flag: 'wx' });
  } catch {
    // Someone else is taking it over: wait for them, then look again.
    await new Promise((resolve) => setTimeout(resolve, 200));
    return;
  }
  try {
    // Still the same dead holder (not a new engine that took it over meanwhile)?
    const again = parseHolder(await readFile(file, 'utf8').catch(() => ''));
    if (again?.pid === dead?.pid && again?.processStart === dead?.processStart) await rm(file, { force: true });
  } finally {
    await rm(guard, { force: true });
  }
}
