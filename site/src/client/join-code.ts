import { classCodeSchema, displayNameSchema } from '../../../sandbox-engine/src/contracts/progress.js';

/**
 * The class code a join link carries: /join?code=K7M-2QF, or /join/K7M-2QF (served by the site's
 * 404 page, which sends it on to /join?code=…). Raw, as typed: normalizeClassCode says whether it can be one.
 */
export function classCodeFromUrl(url: URL): string | undefined {
  const query = url.searchParams.get('code')?.trim();
  if (query) return query;
  const path = /^\/join\/([^/]+)\/?$/.exec(url.pathname)?.[1];
  return path ? decodeURIComponent(path).trim() || undefined : undefined;
}

/** A code as typed ("k7m2qf", " K7M-2QF ") in the form instructors hand out ("K7M-2QF"), or undefined when it cannot be one. */
export function normalizeClassCode(typed: string): string | undefined {
  const parsed = classCodeSchema.safeParse(typed);
  if (!parsed.success) return undefined;
  const compact = parsed.data.replace('-', '');
  return `${compact.slice(0, 3)}-${compact.slice(3)}`;
}

/** A display name as the server takes it (trimmed, 1 to 60 characters), or what is wrong with it. */
export function checkDisplayName(typed: string): { name: string } | { error: string } {
  const parsed = displayNameSchema.safeParse(typed);
  if (parsed.success) return { name: parsed.data };
  return { error: typed.trim() ? 'A name can have at most 60 characters.' : 'Type a name.' };
}
