// A failed command, told in the user's language: what happened and what to do.
import { isCommandError } from '../lib/api';
import type { Refusal } from '../lib/bindings';

type Translate = (key: string, options?: { values?: Record<string, string> }) => string;

export function errorMessage(error: unknown, t: Translate): string {
  if (isCommandError(error)) {
    return t(`errors.${error.code}`, { values: { detail: error.message } });
  }
  return t('errors.internal');
}

// Refusals the app can explain in the user's language; any other is shown in
// the center's own words.
const EXPLAINED = new Set(['forbidden']);

// Why the center refused a write: in the user's language when the app knows
// the reason, with the center's own words beside it.
export function refusalReason(
  refusal: Refusal,
  t: Translate,
): { reason: string; centerSaid: string | null } {
  if (refusal.code && EXPLAINED.has(refusal.code)) {
    return { reason: t(`refusals.${refusal.code}`), centerSaid: refusal.message };
  }
  return { reason: refusal.message, centerSaid: null };
}
