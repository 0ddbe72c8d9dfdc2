// WebKitGTK reports a C process locale (the default in containers,
// WSL and minimal installs) as `navigator.language === 'C'`, which `Intl`
// rejects with a RangeError. uPlot formats numbers with it as soon as it is
// imported, so without this the charts never appear.

function isValidTag(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length > 0;
  } catch {
    return false;
  }
}

/** Replaces a language tag `Intl` cannot use with `fallback`. */
export function repairNavigatorLanguage(fallback = 'en-US'): void {
  const languages = navigator.languages.filter(isValidTag);
  if (isValidTag(navigator.language) && languages.length === navigator.languages.length) return;
  const language = isValidTag(navigator.language) ? navigator.language : fallback;
  Object.defineProperty(navigator, 'language', { value: language, configurable: true });
  Object.defineProperty(navigator, 'languages', {
    value: Object.freeze(languages.length > 0 ? languages : [language]),
    configurable: true,
  });
}
