import { describe, expect, it } from 'vitest';
import { formatAgo } from './format';

describe('how long ago', () => {
  const now = new Date('2026-12-07T10:00:00Z');
  const ago = (seconds: number, locale: string) =>
    formatAgo(new Date(now.getTime() - seconds * 1000).toISOString(), locale, now);

  it("says it in the user's language, up to a week, then as a time", () => {
    expect(ago(20, 'en')).toBe('now');
    expect(ago(5 * 60, 'en')).toBe('5 minutes ago');
    expect(ago(5 * 60, 'zh-CN')).toBe('5分钟前');
    expect(ago(3 * 3600, 'zh-CN')).toBe('3小时前');
    expect(ago(26 * 3600, 'en')).toBe('yesterday');
    expect(ago(26 * 3600, 'zh-CN')).toBe('昨天');
    expect(ago(10 * 86400, 'en')).toMatch(/Nov 27/);
  });
});
