// What the center or the app's own checks say, in the user's language: a
// reason code worded from the catalogues' `reasons`; a code this app does
// not know, or whose words need a value it did not bring, shows the
// center's own words, marked as such.
import type { ReasonCode } from './bindings';

type Translate = (
  key: string,
  options?: { values?: Record<string, string>; default?: string },
) => string;

// A code names words of the catalogue, never a property every object has.
const ownKey = (code: string) => /^[a-z][a-z0-9_]*$/.test(code) && code !== 'constructor';

function wordsFor(t: Translate, code: string, values: Record<string, string>): string {
  const worded = t(`reasons.${code}`, { values, default: '' });
  // Words needing a value the code did not bring come back unfilled.
  return typeof worded === 'string' && !/\{\w+\}/.test(worded) ? worded : '';
}

export function reasonText(
  t: Translate,
  code: ReasonCode | null,
  text: string | null,
): string | null {
  if (code) {
    const values = Object.fromEntries(
      Object.entries(code.params).map(([name, value]) => [name, value ?? '']),
    );
    const worded = ownKey(code.code) ? wordsFor(t, code.code, values) : '';
    if (worded) return worded;
  }
  return text ? t('reasons.centersWords', { values: { text } }) : null;
}

// A form field's problem, as the app's own check or the center put it.
export function problemText(
  t: Translate,
  problem: { reason: ReasonCode | null; message: string },
): string {
  return reasonText(t, problem.reason, problem.message) ?? '';
}
