import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mount, unmount } from 'svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { settle, typeInto } from './testing';
import { setupI18n } from '../i18n';
import type { CenterState, JobView, SearchPage } from './bindings';
import CommandPalette from './CommandPalette.svelte';
import { matches } from './palette';

const center = (index: number, shown: boolean, name: string): CenterState =>
  ({
    index,
    shown,
    name_en: name,
    name_zh: name,
    account: { email: `partner@${index}.example.cn` },
  }) as unknown as CenterState;

const job = { job: { id: 'job_7', request: { name: 'ResNet-50 weld seams' } } } as JobView;

describe('the command palette', () => {
  let component: ReturnType<typeof mount> | undefined;
  let switched: number[] = [];
  let synced = 0;
  const onChanged = vi.fn();

  beforeEach(() => {
    // jsdom lays nothing out: the chosen entry is scrolled to in the app.
    Element.prototype.scrollIntoView = vi.fn();
    switched = [];
    synced = 0;
    window.location.hash = '#/';
    mockIPC((command, args) => {
      const a = args as Record<string, unknown>;
      switch (command) {
        case 'list_centers':
          return [center(0, true, 'Demo AI Computing Center'), center(1, false, 'Lakeside Center')];
        case 'catalog_search': {
          const found = (a.query as { text: string }).text.toLowerCase().startsWith('res');
          return {
            total: found ? 1 : 0,
            models: found ? [{ id: 'resnet50', name: 'ResNet-50', provider: 'MindSpore' }] : [],
          } as unknown as SearchPage;
        }
        case 'list_jobs':
          return [job];
        case 'list_applications':
          return [];
        case 'switch_account':
          switched.push(a.index as number);
          return null;
        case 'sync_now':
          synced += 1;
          return null;
        default:
          throw new Error(`unexpected command ${command}`);
      }
    });
  });

  afterEach(() => {
    if (component) unmount(component);
    component = undefined;
    clearMocks();
    document.body.innerHTML = '';
  });

  const press = (target: EventTarget, key: string, ctrlKey = false) =>
    target.dispatchEvent(new KeyboardEvent('keydown', { key, ctrlKey, bubbles: true }));
  const options = () =>
    [...document.querySelectorAll('[role=option]')].map((o) =>
      o.textContent?.replace(/\s+/g, ' ').trim(),
    );

  async function openPalette() {
    component = mount(CommandPalette, {
      target: document.body,
      props: { enrolled: false, onChanged, onAddAccount: () => {} },
    });
    press(document.body, 'p', true);
    await settle();
  }

  it('opens on Ctrl+P with the input ready, finds screens, actions and items, and Enter opens one', async () => {
    setupI18n('en');
    await openPalette();
    const input = document.querySelector<HTMLInputElement>('[data-testid=palette] input');
    expect(document.activeElement).toBe(input);
    typeInto('[data-testid=palette] input', 'resnet');
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 120));
    await settle();
    expect(options()).toEqual(['Model ResNet-50 MindSpore', 'Job ResNet-50 weld seams']);
    press(input!, 'ArrowDown');
    await settle();
    expect(input?.getAttribute('aria-activedescendant')).toBe('palette-1');
    press(input!, 'Enter');
    await settle();
    expect(window.location.hash).toBe('#/jobs/job_7');
    expect(document.querySelector('[data-testid=palette]')).toBeNull();
  });

  it('runs the main actions in the user’s language: sync, switch center', async () => {
    setupI18n('zh-CN');
    await openPalette();
    typeInto('[data-testid=palette] input', '同步');
    await settle();
    expect(options()).toEqual(['操作 立即同步']);
    press(document.activeElement!, 'Enter');
    await settle();
    expect(synced).toBe(1);

    press(document.body, 'p', true);
    await settle();
    typeInto('[data-testid=palette] input', 'lakeside');
    await settle();
    press(document.activeElement!, 'Enter');
    await settle();
    expect(switched).toEqual([1]);
    expect(onChanged).toHaveBeenCalled();
  });

  it('says so when nothing has the name typed, and Escape closes it', async () => {
    setupI18n('en');
    await openPalette();
    typeInto('[data-testid=palette] input', 'zzzz');
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 120));
    await settle();
    expect(document.querySelector('[data-testid=palette]')?.textContent).toContain(
      'Nothing of that name',
    );
    press(document.activeElement!, 'Escape');
    await settle();
    expect(document.querySelector('[data-testid=palette]')).toBeNull();
  });

  it('finds by every word typed, in any case', () => {
    expect(matches('New training request', 'TRAIN req')).toBe(true);
    expect(matches('New training request', 'train model')).toBe(false);
  });
});
