/** How long a check may take when neither the checker nor the caller says otherwise. */
export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;
