import { describe, expect, it } from 'vitest';
import { current, SCREENS } from './screens';

const shown = (location: string) =>
  SCREENS.filter((s) => s.nav && current(s, location)).map((s) => s.id);

describe('the screen a route shows', () => {
  it('is the one it is beneath, and only that one', () => {
    expect(shown('/')).toEqual(['catalog']);
    expect(shown('/models/resnet50')).toEqual(['catalog']);
    expect(shown('/jobs/new')).toEqual(['jobs']);
    expect(shown('/cooperation/coop_1')).toEqual(['directory']);
    expect(shown('/skills')).toEqual(['courses']);
    expect(shown('/milestones/ms_1')).toEqual(['incubation']);
    expect(shown('/settings')).toEqual(['settings']);
    expect(shown('/jobsite')).toEqual([]);
  });
});
