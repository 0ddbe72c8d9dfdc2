// A failed command, told in the user's language: what happened and what to do.
import { isCommandError } from '../lib/api';

type Translate = (key: string, options?: { values?: Record<string, string> }) => string;

export function errorMessage(error: unknown, t: Translate): string {
  if (isCommandError(error)) {
    return t(`errors.${error.code}`, { values: { detail: error.message } });
  }
  return t('errors.internal');
}
