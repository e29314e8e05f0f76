/**
 * Mirror of MAX_INPUT_CHARS in sandbox-engine/src/contracts/socket-events.ts. Copied rather than
 * imported because that module builds zod schemas at load time, which would bundle zod into the
 * page; limits.test.ts fails when the two drift apart.
 */
export const MAX_INPUT_CHARS = 16 * 1024;
