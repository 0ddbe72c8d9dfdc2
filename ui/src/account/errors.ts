// A failed command, told in the user's language: what happened and what to do.
import { isCommandError } from '../lib/api';
import type { Refusal } from '../lib/bindings';
import { reasonText } from '../lib/reasons';

type Translate = (
  key: string,
  options?: { values?: Record<string, string>; default?: string },
) => string;

export function errorMessage(error: unknown, t: Translate): string {
  if (isCommandError(error)) {
    const detail = error.reason ? reasonText(t, error.reason, error.message) : error.message;
    return t(`errors.${error.code}`, { values: { detail: detail ?? error.message } });
  }
  return t('errors.internal');
}

// Refusals the app can explain in the user's language without a code of
// their own.
const EXPLAINED = new Set(['forbidden']);

// Why the center refused a write: in the user's language by its code, or by
// its kind with the center's own words beside it, else in the center's
// words, marked as such.
export function refusalReason(
  refusal: Refusal,
  t: Translate,
): { reason: string; centerSaid: string | null } {
  if (refusal.reason) {
    return { reason: reasonText(t, refusal.reason, refusal.message) ?? '', centerSaid: null };
  }
  if (refusal.code && EXPLAINED.has(refusal.code)) {
    return { reason: t(`refusals.${refusal.code}`), centerSaid: refusal.message };
  }
  return { reason: reasonText(t, null, refusal.message) ?? '', centerSaid: null };
}
