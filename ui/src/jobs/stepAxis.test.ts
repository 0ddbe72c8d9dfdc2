import { describe, expect, it } from 'vitest';
import { WHOLE_STEPS, stepLabels } from './stepAxis';

describe('the step axis', () => {
  it('spaces its ticks by whole steps only, from one step to billions', () => {
    expect(WHOLE_STEPS.every(Number.isInteger)).toBe(true);
    expect(WHOLE_STEPS.slice(0, 4)).toEqual([1, 2, 5, 10]);
    expect(WHOLE_STEPS.at(-1)).toBeGreaterThanOrEqual(1e9);
    expect([...WHOLE_STEPS].sort((a, b) => a - b)).toEqual(WHOLE_STEPS);
  });

  it('writes steps as the language does and labels no fraction', () => {
    expect(stepLabels([0, 2500, 1.5], 'en')).toEqual(['0', '2,500', '']);
    expect(stepLabels([12000], 'zh-CN')).toEqual(['12,000']);
  });
});
