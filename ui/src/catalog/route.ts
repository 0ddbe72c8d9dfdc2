// The catalog's search and filters live in the route (#/?q=…&task=…), so
// back and forward move through them and a restart can return to them.
import { FRAMEWORKS, SORTS, type CatalogQuery, type Framework, type Sort } from '../lib/bindings';
import { EVERYTHING } from '../lib/api';

export type View = 'list' | 'grid';

const TEXT_FILTERS = ['task', 'domain', 'hardware', 'license'] as const;

/** The query and view a route's query string describes. */
export function fromSearch(search: string): { query: CatalogQuery; view: View } {
  const params = new URLSearchParams(search);
  const query: CatalogQuery = { ...EVERYTHING, text: params.get('q') ?? '' };
  for (const key of TEXT_FILTERS) query[key] = params.get(key);
  const framework = params.get('framework') as Framework | null;
  query.framework = framework && FRAMEWORKS.includes(framework) ? framework : null;
  const number = (key: string) => {
    const value = Number(params.get(key));
    return params.has(key) && Number.isFinite(value) ? value : null;
  };
  query.min_parameters = number('min');
  query.max_parameters = number('max');
  query.favourites_only = params.get('favourites') === '1';
  const sort = params.get('sort') as Sort | null;
  query.sort = sort && SORTS.includes(sort) ? sort : 'relevance';
  return { query, view: params.get('view') === 'grid' ? 'grid' : 'list' };
}

/** The query string for a query and view; defaults are left out. */
export function toSearch(query: CatalogQuery, view: View): string {
  const params = new URLSearchParams();
  if (query.text) params.set('q', query.text);
  for (const key of TEXT_FILTERS) {
    const value = query[key];
    if (value) params.set(key, value);
  }
  if (query.framework) params.set('framework', query.framework);
  if (query.min_parameters !== null) params.set('min', String(query.min_parameters));
  if (query.max_parameters !== null) params.set('max', String(query.max_parameters));
  if (query.favourites_only) params.set('favourites', '1');
  if (query.sort !== 'relevance') params.set('sort', query.sort);
  if (view === 'grid') params.set('view', 'grid');
  return params.toString();
}

/** Parameter-count ranges offered as a filter. */
export const SIZES = [
  { key: 'small', min: null, max: 100_000_000 },
  { key: 'medium', min: 100_000_001, max: 10_000_000_000 },
  { key: 'large', min: 10_000_000_001, max: null },
] as const;
