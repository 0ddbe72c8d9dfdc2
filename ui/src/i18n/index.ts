// The UI's two languages. Every user-facing string comes from these catalogs;
// the language follows the OS (the webview's navigator) unless chosen.
import { addMessages, getLocaleFromNavigator, init, locale } from 'svelte-i18n';
import en from './en.json';
import zhCN from './zh-CN.json';

export const LOCALES = ['en', 'zh-CN'] as const;
export type AppLocale = (typeof LOCALES)[number];

addMessages('en', en);
addMessages('zh-CN', zhCN);

/** The supported locale closest to what the OS asks for. */
export function matchLocale(requested: string | null | undefined): AppLocale {
  return requested?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export function setupI18n(requested: string | null = getLocaleFromNavigator()): void {
  init({ fallbackLocale: 'en', initialLocale: matchLocale(requested) });
}

export { locale };
