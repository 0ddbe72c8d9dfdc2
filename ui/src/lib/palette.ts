// The command palette's entries: what it can open or do, each found by
// the words of its label in the user's language.

export type EntryKind = 'action' | 'screen' | 'model' | 'job' | 'application';

export interface Entry {
  id: string;
  kind: EntryKind;
  label: string;
  // Written by the center or a partner (a model's or a job's name), shown
  // as written.
  theirs?: boolean;
  hint?: string;
  run: () => unknown;
}

// Whether every word typed is in the label, in any case.
export function matches(label: string, typed: string): boolean {
  const words = typed.toLowerCase().split(/\s+/).filter(Boolean);
  const text = label.toLowerCase();
  return words.every((word) => text.includes(word));
}

// At most `most` of each kind, in the order of the kinds given: what the
// user can do first, then where they can go, then what they can open.
export function shortlist(entries: Entry[], typed: string, most: number): Entry[] {
  const found = entries.filter((e) => matches(`${e.label} ${e.hint ?? ''}`, typed));
  const kinds: EntryKind[] = ['action', 'screen', 'model', 'job', 'application'];
  return kinds.flatMap((kind) => found.filter((e) => e.kind === kind).slice(0, most));
}
