import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** Who took a sandbox from the warm pool: what its labels (set before any learner) cannot say. */
const poolClaimSchema = z
  .object({
    /** sha256 of the learner's key, hex. */
    learnerHash: z.string().regex(/^[0-9a-f]{64}$/),
    clientAddress: z.string().min(1).max(100).optional(),
    /** When the learner got it: their session's lifetime counts from here, not from the pool's start. */
    createdAt: z.number().int().nonnegative(),
    expiresAt: z.number().int().positive(),
  })
  .strict();
export type PoolClaim = z.infer<typeof poolClaimSchema>;

const sessionIdPattern = /^[0-9a-f]{12}$/;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Claim records of pool sandboxes, one file per claimed sandbox, `<dir>/<instance>-<session>.json`
 * in a host-only directory (`<DOCKYARD_DATA_DIR>/pool-claims`, never mounted in a sandbox). Written
 * before the learner is given the sandbox and removed with it, so an engine that restarts adopts a
 * claimed pool sandbox for its learner, and destroys any pool sandbox it finds no record for: an
 * unclaimed one is never handed out again from what a previous engine left.
 */
export class PoolClaims {
  constructor(private readonly options: { dir: string; instance: string }) {}

  private file(sessionId: string): string {
    if (!sessionIdPattern.test(sessionId)) throw new Error(`not a session id: ${JSON.stringify(sessionId).slice(0, 40)}`);
    return path.join(this.options.dir, `${this.options.instance}-${sessionId}.json`);
  }

  async record(sessionId: string, claim: PoolClaim): Promise<void> {
    const file = this.file(sessionId);
    const text = JSON.stringify(poolClaimSchema.parse(claim));
    await mkdir(this.options.dir, { recursive: true, mode: 0o700 });
    await writeFile(`${file}.tmp`, text, { mode: 0o600 });
    await rename(`${file}.tmp`, file);
  }

  /** The claim of a pool sandbox, or undefined when there is none (or it is unreadable). */
  async read(sessionId: string): Promise<PoolClaim | undefined> {
    if (!sessionIdPattern.test(sessionId)) return undefined;
    const text = await readFile(this.file(sessionId), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    const parsed = poolClaimSchema.safeParse(parseJson(text));
    return parsed.success ? parsed.data : undefined;
  }

  async remove(sessionId: string): Promise<void> {
    if (!sessionIdPattern.test(sessionId)) return;
    await rm(this.file(sessionId), { force: true });
  }

  /** Removes this instance's records of sandboxes that are gone (and half-written ones). */
  async sweep(live: ReadonlySet<string>): Promise<void> {
    const prefix = `${this.options.instance}-`;
    for (const name of await readdir(this.options.dir).catch(() => [] as string[])) {
      if (!name.startsWith(prefix)) continue;
      // "<instance>-<id>.json" exactly: instance "a" must not sweep instance "a-b".
      const match = /^([0-9a-f]{12})\.json(\.tmp)?$/.exec(name.slice(prefix.length));
      if (match && (match[2] || !live.has(match[1]!))) await rm(path.join(this.options.dir, name), { force: true });
    }
  }
}
