import { describe, expect, it } from 'vitest';
import en from './en.json';
import zhCN from './zh-CN.json';
import { matchLocale } from '.';

function keys(tree: object, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'object' && value !== null
      ? keys(value, `${prefix}${key}.`)
      : [`${prefix}${key}`],
  );
}

describe('message catalogs', () => {
  it('have the same keys in both languages', () => {
    expect(keys(zhCN).sort()).toEqual(keys(en).sort());
  });

  it('have no empty message', () => {
    for (const catalog of [en, zhCN]) {
      for (const key of keys(catalog)) {
        const value = key.split('.').reduce<unknown>((node, k) => (node as never)[k], catalog);
        expect(value, key).not.toBe('');
      }
    }
  });

  it('pick Chinese for any zh locale and English otherwise', () => {
    expect(matchLocale('zh-CN')).toBe('zh-CN');
    expect(matchLocale('zh-Hans-CN')).toBe('zh-CN');
    expect(matchLocale('en-GB')).toBe('en');
    expect(matchLocale(null)).toBe('en');
  });
});
