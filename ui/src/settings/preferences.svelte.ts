// The user's preferences, applied to the whole window: language and theme.
import { getLocaleFromNavigator, locale } from 'svelte-i18n';
import { api } from '../lib/api';
import type { Preferences } from '../lib/bindings';
import { matchLocale } from '../i18n';

export const preferences = $state<{ current: Preferences }>({
  current: {
    language: 'system',
    theme: 'system',
    keep_running_in_tray: true,
    notify_jobs: true,
    notify_applications: true,
  },
});

/** Applies preferences to the window: `system` follows the OS. */
export function apply(next: Preferences): void {
  preferences.current = next;
  locale.set(next.language === 'system' ? matchLocale(getLocaleFromNavigator()) : next.language);
  const root = document.documentElement;
  if (next.theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = next.theme;
  root.lang = next.language === 'system' ? matchLocale(getLocaleFromNavigator()) : next.language;
}

/** Loads the saved preferences and applies them. */
export async function loadPreferences(): Promise<void> {
  apply(await api.getPreferences());
}

/** Saves and applies a change. */
export async function savePreferences(next: Preferences): Promise<void> {
  await api.setPreferences(next);
  apply(next);
}
