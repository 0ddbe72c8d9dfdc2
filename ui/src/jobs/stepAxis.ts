// The step axis of a training run's chart: ticks fall on whole steps only
// (never 1.1, 1.2 …), written as the user's language writes numbers.

/** The tick spacings uPlot may choose from: 1, 2, 5, 10, 20, 50 … steps. */
export const WHOLE_STEPS: number[] = Array.from({ length: 10 }, (_, power) =>
  [1, 2, 5].map((m) => m * 10 ** power),
).flat();

/** The labels of the ticks at `splits`. */
export function stepLabels(splits: number[], locale: string): string[] {
  const format = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  return splits.map((step) => (Number.isInteger(step) ? format.format(step) : ''));
}
