/**
 * A random id for this page load. crypto.randomUUID exists only in secure contexts (https or
 * localhost); getRandomValues works everywhere, so it is the fallback on plain http.
 */
export function newClientId(): string {
  if (typeof crypto.randomUUID === 'function' && window.isSecureContext) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
