import { afterEach, describe, expect, it } from 'vitest';
import { mount, unmount } from 'svelte';
import { settle } from './testing';
import { setupI18n } from '../i18n';
import ShortcutsHelp from './ShortcutsHelp.svelte';

describe('the keyboard shortcuts', () => {
  let component: ReturnType<typeof mount> | undefined;

  afterEach(() => {
    if (component) unmount(component);
    component = undefined;
    document.body.innerHTML = '';
  });

  const press = (target: EventTarget, key: string) =>
    target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));

  it('are listed on ? and closed with Escape, in both languages, not while typing', async () => {
    setupI18n('zh-CN');
    const field = document.createElement('input');
    document.body.append(field);
    component = mount(ShortcutsHelp, { target: document.body });
    press(field, '?');
    await settle();
    expect(document.querySelector('[data-testid=shortcuts]')).toBeNull();
    press(document.body, '?');
    await settle();
    const help = document.querySelector('[data-testid=shortcuts]');
    expect(help?.textContent).toContain('键盘快捷键');
    expect(help?.textContent).toContain('Ctrl+K');
    expect(help?.contains(document.activeElement)).toBe(true);
    press(document.activeElement ?? document.body, 'Escape');
    await settle();
    expect(document.querySelector('[data-testid=shortcuts]')).toBeNull();
  });
});
