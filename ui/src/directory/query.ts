// The directory's search as the address says it, so back and forward step
// through filters and a link opens the same search.
import type { DirectoryQuery, OrganisationKind } from '../lib/bindings';

/** How many solutions a page of results shows. */
export const PAGE = 50;

const KINDS: OrganisationKind[] = [
  'incubated_startup',
  'isv',
  'ihv',
  'si',
  'research_institute',
  'university',
];

export function fromSearch(search: string): DirectoryQuery {
  const params = new URLSearchParams(search);
  const kind = params.get('kind');
  return {
    text: params.get('q') ?? '',
    industry: params.get('industry'),
    hardware: params.get('hardware'),
    framework: params.get('framework'),
    kind: KINDS.find((k) => k === kind) ?? null,
    offset: 0,
    limit: PAGE,
  };
}

export function toSearch(query: DirectoryQuery): string {
  const params = new URLSearchParams();
  if (query.text) params.set('q', query.text);
  for (const key of ['industry', 'hardware', 'framework', 'kind'] as const) {
    const value = query[key];
    if (value) params.set(key, value);
  }
  return params.toString();
}

/** Whether a certificate's end has passed at `now`. */
export function expired(expiresAt: string, now: Date = new Date()): boolean {
  return new Date(expiresAt).getTime() <= now.getTime();
}
