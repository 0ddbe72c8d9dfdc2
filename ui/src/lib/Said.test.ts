import { afterEach, describe, expect, it } from 'vitest';
import { mount, unmount, tick } from 'svelte';
import { setupI18n } from '../i18n';
import Said from './Said.svelte';

describe('a sentence with their words inside', () => {
  let component: ReturnType<typeof mount> | undefined;
  afterEach(() => {
    if (component) unmount(component);
    document.body.innerHTML = '';
  });

  it("words the sentence in the user's language and marks their words as written", async () => {
    setupI18n('zh-CN');
    component = mount(Said, {
      target: document.body,
      props: {
        key: 'incubation.cohort',
        values: { from: '2026年9月1日', to: '2027年8月31日' },
        theirs: { cohort: '2026 cohort' },
      },
    });
    await tick();
    expect(document.body.textContent).toBe('2026 cohort，2026年9月1日 – 2027年8月31日');
    const marked = [...document.querySelectorAll('[translate=no]')].map((e) => e.textContent);
    expect(marked).toEqual(['2026 cohort']);
  });
});
