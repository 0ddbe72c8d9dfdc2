import { afterEach, describe, expect, it } from 'vitest';
import { repairNavigatorLanguage } from './navigator-language';

function pretend(language: string, languages: string[]) {
  Object.defineProperty(navigator, 'language', { value: language, configurable: true });
  Object.defineProperty(navigator, 'languages', { value: languages, configurable: true });
}

describe('repairNavigatorLanguage', () => {
  afterEach(() => {
    delete (navigator as { language?: string }).language;
    delete (navigator as { languages?: readonly string[] }).languages;
  });

  it('replaces the C locale WebKit reports so Intl and uPlot can format numbers', () => {
    pretend('C', ['C']);
    expect(() => new Intl.NumberFormat(navigator.language)).toThrow(RangeError);
    repairNavigatorLanguage();
    expect(navigator.language).toBe('en-US');
    expect(navigator.languages).toEqual(['en-US']);
    expect(() => new Intl.NumberFormat(navigator.language)).not.toThrow();
  });

  it('keeps the valid languages the OS asks for', () => {
    pretend('zh-CN', ['zh-CN', 'C', 'en']);
    repairNavigatorLanguage();
    expect(navigator.language).toBe('zh-CN');
    expect(navigator.languages).toEqual(['zh-CN', 'en']);
  });

  it('leaves a valid navigator alone', () => {
    pretend('de-DE', ['de-DE']);
    repairNavigatorLanguage();
    expect(navigator.language).toBe('de-DE');
  });
});
