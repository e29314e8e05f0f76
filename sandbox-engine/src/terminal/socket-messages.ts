import type { ZodType, ZodTypeDef } from 'zod';
import type { ApiErrorCode } from '../contracts/session.js';
import type { Ack, SocketErrorMessage } from '../contracts/socket-events.js';

/** Answers a message's ack, when the client sent one (`{ data }` or `{ error }`). */
export function reply<T>(ack: unknown, result: { data: T } | { error: { code: ApiErrorCode; message: string; retryable: boolean } }): void {
  if (typeof ack === 'function') (ack as Ack<T>)(result);
}

/**
 * Validates socket messages of one connection: a bad one gets an error event (through `emitError`)
 * and an error ack, and its handler does nothing. Shared by the learners' and the instructors' gateways.
 */
export function messageParser(emitError: (error: SocketErrorMessage) => void) {
  return <T>(event: string, schema: ZodType<T, ZodTypeDef, unknown>, payload: unknown, ack?: unknown): T | undefined => {
    const parsed = schema.safeParse(payload);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const message = `Malformed ${event} message: ${issue ? `${issue.path.join('.') || 'payload'}: ${issue.message}` : 'invalid'}`;
    emitError({ event, message });
    reply(ack, { error: { code: 'bad-request', message, retryable: false } });
    return undefined;
  };
}
