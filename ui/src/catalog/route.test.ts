import { describe, expect, it } from 'vitest';
import { EVERYTHING } from '../lib/api';
import { fromSearch, toSearch } from './route';

describe('catalog route', () => {
  it('round-trips every filter through the query string', () => {
    const query = {
      ...EVERYTHING,
      text: 'resnet',
      hardware: 'Atlas 800T A2',
      framework: 'mindspore' as const,
      min_parameters: 1_000_000,
      favourites_only: true,
      sort: 'stars' as const,
    };
    expect(fromSearch(toSearch(query, 'grid'))).toEqual({ query, view: 'grid' });
  });

  it('ignores what it does not know and starts from everything', () => {
    expect(fromSearch('sort=sideways&framework=cobol&min=abc&view=3d')).toEqual({
      query: EVERYTHING,
      view: 'list',
    });
    expect(toSearch(EVERYTHING, 'list')).toBe('');
  });
});
