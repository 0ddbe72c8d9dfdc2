import { describe, expect, it } from 'vitest';
import { get } from 'svelte/store';
import { _ } from 'svelte-i18n';
import { setupI18n } from '../i18n';
import { ending, inWords, trend } from './metricsSummary';

describe('the chart in words', () => {
  it('says which way a series went, steady within two percent', () => {
    expect(trend([2.2, 1.1, 0.21])).toBe('falling');
    expect(trend([0.2, 0.5, 0.89])).toBe('rising');
    expect(trend([0.5, 0.9, 0.505])).toBe('steady');
    expect(trend([0.5])).toBeNull();
  });

  it('reads where each series ended', () => {
    const series = [
      { name: 'loss', steps: [5, 10, 200], values: [2.2, 1.8, 0.21] },
      { name: 'accuracy', steps: [], values: [] },
    ];
    expect(ending(series, 'loss')).toEqual({ step: 200, value: 0.21, trend: 'falling' });
    expect(ending(series, 'accuracy')).toBeNull();
    expect(ending(series, 'throughput')).toBeNull();
  });

  it("says it in the user's language", () => {
    const series = [
      { name: 'loss', steps: [5, 200], values: [2.2, 0.214] },
      { name: 'accuracy', steps: [5, 200], values: [0.2, 0.891] },
    ];
    for (const [language, expected] of [
      ['en', 'loss: 0.214 at step 200, falling. accuracy: 0.891 at step 200, rising.'],
      ['zh-CN', '损失在第 200 步为 0.214，呈下降趋势。准确率在第 200 步为 0.891，呈上升趋势。'],
    ]) {
      setupI18n(language);
      const say = (key: string, values?: Record<string, string>) => get(_)(key, { values });
      expect(inWords(series, say, language)).toBe(expected);
      expect(inWords([], say, language)).not.toBe('');
    }
  });
});
