import type { CenterState } from '../lib/bindings';

// A center as the app names it: by the name it gives itself in the
// user's language (the core already fell back to the other language, then
// to its address).
export function centerName(c: CenterState, lang: string): string {
  return lang.startsWith('zh') ? c.name_zh : c.name_en;
}
