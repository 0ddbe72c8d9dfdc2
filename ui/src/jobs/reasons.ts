// Why a job is where it is, in the user's language: the center's reason
// code worded from the catalogues; a code this app does not know shows
// the center's own words, marked as such.
import type { ReasonCode } from '../lib/bindings';

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
    if (worded) return worded;
  }
  return text ? t('reasons.centersWords', { values: { text } }) : null;
}
