import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { learnerKeySchema } from '../contracts/session.js';

export const newSessionId = () => randomBytes(6).toString('hex');

/** A learner's key as a browser makes it: 32 random bytes, base64url (tests and tools use this too). */
export const newLearnerKey = () => randomBytes(32).toString('base64url');

/** What the engine keeps of a learner's key (in memory and in the sandbox's labels): its sha256. */
export const hashLearnerKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** The hash of a well-formed key, or undefined for anything else. */
export function learnerHashOf(key: unknown): string | undefined {
  const parsed = learnerKeySchema.safeParse(key);
  return parsed.success ? hashLearnerKey(parsed.data) : undefined;
}

export function sameLearner(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
