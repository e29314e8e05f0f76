/** The p-th percentile (0..100) of `values`, nearest rank; 0 for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Rounded for the report: whole ms above 10, one decimal below. */
export function ms(value: number): number {
  return value >= 10 ? Math.round(value) : Math.round(value * 10) / 10;
}
