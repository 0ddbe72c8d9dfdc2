// What the center or the app's own checks say, in the user's language: a
// reason code worded from the catalogues' `reasons`; a code this app does
// not know, or whose words need a value it did not bring, shows the
// center's own words, marked as such.
import type { ReasonCode } from './bindings';

type Translate = (
  key: string,
  options?: { values?: Record<string, string>; default?: string },
) => string;

export function reasonText(
  t: Translate,
  code: ReasonCode | null,
  text: string | null,
): string | null {
  if (code) {
    const values = Object.fromEntries(
      Object.entries(code.params).map(([name, value]) => [name, value ?? '']),
    );
    const worded = t(`reasons.${code.code}`, { values, default: '' });
    // Not a catalogue's words (a code naming an object's own property),
    // or words needing a value the code did not bring, which come back
    // unfilled: the center's words instead.
    if (typeof worded === 'string' && worded && !/\{\w+\}/.test(worded)) return worded;
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
