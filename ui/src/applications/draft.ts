// An application being written, as its draft keeps it: the form, and the
// application's id once one was created to attach files to.
import type { ApplicationForm } from '../lib/bindings';

export type ApplicationDraft = { form: ApplicationForm; savedId: string | null };

/** Reads a draft; drafts saved before files could be attached held the form alone. */
export function draftBody(body: unknown): ApplicationDraft {
  const draft = body as Partial<ApplicationDraft> & Partial<ApplicationForm>;
  if (draft.form) return { form: draft.form, savedId: draft.savedId ?? null };
  return { form: body as ApplicationForm, savedId: null };
}
