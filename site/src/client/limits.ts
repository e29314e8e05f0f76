/**
 * Mirror of MAX_INPUT_CHARS in sandbox-engine/src/contracts/socket-events.ts. Copied rather than
 * imported because that module builds zod schemas at load time, which would bundle zod into the
 * page; limits.test.ts fails when the two drift apart.
 */
export const MAX_INPUT_CHARS = 16 * 1024;

/**
 * The page's pace for terminal input: three quarters of the engine's per-socket input limit
 * (SOCKET_RATE_LIMITS in sandbox-engine/src/terminal/socket-rate-limit.ts: 1 MiB burst, 256 Ki/s),
 * so timer jitter never makes the engine drop a piece of a paste.
 */
export const INPUT_BURST_CHARS = 768 * 1024;
export const INPUT_CHARS_PER_SECOND = 192 * 1024;
