import { afterEach, describe, expect, it } from 'vitest';
import { mount, unmount } from 'svelte';
import { settle } from './testing';
import { setupI18n } from '../i18n';
import Timeline from './Timeline.svelte';

describe('Timeline', () => {
  let component: ReturnType<typeof mount> | undefined;
  afterEach(() => {
    if (component) unmount(component);
    component = undefined;
    document.body.innerHTML = '';
  });

  it('shows each step with who made it, a reason beside it and a comment quoted', async () => {
    setupI18n('en');
    component = mount(Timeline, {
      target: document.body,
      props: {
        steps: [
          { at: '2026-12-01T09:00:00Z', what: 'Queued', note: 'waiting for NPUs' },
          {
            at: '2026-12-02T09:00:00Z',
            what: 'Changes asked for',
            who: 'Wang Fang <reviewer@demo.aicc>',
            note: 'Add the false alarms per line',
            quoted: true,
          },
        ],
      },
    });
    await settle();
    const steps = [...document.querySelectorAll('[data-testid=timeline] li')];
    expect(steps).toHaveLength(2);
    expect(steps[0].textContent).toContain('waiting for NPUs');
    expect(steps[0].querySelector('blockquote')).toBeNull();
    expect(steps[1].textContent).toContain('Wang Fang');
    expect(steps[1].querySelector('blockquote')?.textContent).toBe('Add the false alarms per line');
  });
});
