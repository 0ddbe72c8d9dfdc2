// What a job's loss and accuracy chart shows, in words, for those who do
// not see it: where each series ended and which way it went.
import type { MetricSeries } from '../lib/bindings';

export type Trend = 'falling' | 'rising' | 'steady';

/** How a series moved from its first value to its last: steady within 2%. */
export function trend(values: number[]): Trend | null {
  if (values.length < 2) return null;
  const first = values[0];
  const last = values[values.length - 1];
  const scale = Math.max(Math.abs(first), Math.abs(last), Number.EPSILON);
  if (Math.abs(last - first) / scale < 0.02) return 'steady';
  return last < first ? 'falling' : 'rising';
}

/** A series' last step and value, and its trend; `null` while it is empty. */
export function ending(
  series: MetricSeries[],
  name: string,
): { step: number; value: number; trend: Trend | null } | null {
  const found = series.find((s) => s.name === name);
  if (!found || found.values.length === 0) return null;
  return {
    step: found.steps[found.steps.length - 1],
    value: found.values[found.values.length - 1],
    trend: trend(found.values),
  };
}

/** The chart in words, in the language `say` speaks (`lang` for numbers). */
export function inWords(
  series: MetricSeries[],
  say: (key: string, values?: Record<string, string>) => string,
  lang: string,
): string {
  const number = new Intl.NumberFormat(lang, { maximumSignificantDigits: 3 });
  const said = (['loss', 'accuracy'] as const).flatMap((name) => {
    const end = ending(series, name);
    if (!end) return [];
    return [
      say('jobs.chartSeries', {
        series: say(`jobs.${name}`),
        value: number.format(end.value),
        step: number.format(end.step),
        trend: end.trend ? say(`jobs.trend.${end.trend}`) : '',
      }),
    ];
  });
  // A sentence ends with the space its language puts after it, if any.
  return said.length > 0 ? said.join('').trim() : say('jobs.chartEmpty');
}
