import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mount, unmount } from 'svelte';
import { settle, typeInto } from '../lib/testing';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { setupI18n } from '../i18n';
import type { CatalogQuery, Facets, SearchPage } from '../lib/bindings';
import CatalogScreen from './CatalogScreen.svelte';
import { FACETS_AFTER_MS } from '../lib/timing';
import { askEarly } from '../lib/early';
import { catalog } from '../sync/reports.svelte';

/** Lets the search answer, typing pause, and the filters' counts arrive. */
async function settleWithFacets(): Promise<void> {
  await settle();
  await new Promise((resolve) => setTimeout(resolve, FACETS_AFTER_MS + 20));
  await settle();
}

const facets: Facets = {
  task: [
    { value: 'Image Classification', count: 120 },
    { value: 'LLM', count: 125 },
  ],
  domain: [{ value: 'Image', count: 303 }],
  framework: [{ value: 'mindspore', count: 451 }],
  hardware: [{ value: 'Atlas 800T A2', count: 576 }],
  license: [{ value: 'Apache-2.0', count: 451 }],
};

describe('CatalogScreen', () => {
  let searches: CatalogQuery[];
  let component: ReturnType<typeof mount> | undefined;

  beforeEach(() => {
    setupI18n('en');
    window.location.hash = '#/';
    searches = [];
    mockIPC((command, args) => {
      const query = (args as { query: CatalogQuery }).query;
      if (command === 'catalog_search') {
        searches.push(query);
        return { total: query.text === 'nothing' ? 0 : 576, models: [] } satisfies SearchPage;
      }
      if (command === 'catalog_facets') return facets;
      throw new Error(`unexpected command ${command}`);
    });
  });

  afterEach(() => {
    if (component) unmount(component);
    component = undefined;
    clearMocks();
    document.body.innerHTML = '';
  });

  it('shows how many models match and the filters with their counts', async () => {
    component = mount(CatalogScreen, { target: document.body });
    await settleWithFacets();
    expect(document.querySelector('[data-testid=catalog-count]')?.textContent).toContain(
      '576 models',
    );
    const hardware = document.querySelector('[data-facet=hardware]');
    expect(hardware?.textContent).toContain('Atlas 800T A2');
    expect(hardware?.textContent).toContain('576');
  });

  it('keeps the search and filters in the route and searches with them', async () => {
    component = mount(CatalogScreen, { target: document.body });
    await settleWithFacets();
    typeInto('input[name=search]', 'qwen');
    await settleWithFacets();
    expect(window.location.hash).toBe('#/?q=qwen');
    document.querySelector<HTMLButtonElement>('[data-facet=task][data-value=LLM]')!.click();
    await settleWithFacets();
    expect(window.location.hash).toBe('#/?q=qwen&task=LLM');
    expect(searches.at(-1)).toMatchObject({ text: 'qwen', task: 'LLM' });
  });

  it('makes each filter a step back and forward move through, and a typed search one step', async () => {
    component = mount(CatalogScreen, { target: document.body });
    await settleWithFacets();
    const start = window.history.length;
    for (const text of ['r', 're', 'res']) {
      typeInto('input[name=search]', text);
      await settleWithFacets();
    }
    expect(window.history.length).toBe(start + 1);
    document.querySelector<HTMLButtonElement>('[data-facet=task][data-value=LLM]')!.click();
    await settleWithFacets();
    document.querySelector<HTMLButtonElement>('[data-facet=hardware]')!.click();
    await settleWithFacets();
    expect(window.history.length).toBe(start + 3);
    expect(window.location.hash).toBe('#/?q=res&task=LLM&hardware=Atlas+800T+A2');
  });

  it('takes typing anywhere into the search box, but not from another field', async () => {
    component = mount(CatalogScreen, { target: document.body });
    await settle();
    const search = document.querySelector<HTMLInputElement>('input[name=search]');
    expect(document.activeElement).not.toBe(search);
    const sort = document.querySelector<HTMLSelectElement>('select[name=sort]');
    sort?.focus();
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'r' }));
    expect(document.activeElement).toBe(sort);
    sort?.blur();
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'r', ctrlKey: true }));
    window.dispatchEvent(new KeyboardEvent('keydown', { key: ' ' }));
    expect(document.activeElement).not.toBe(search);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'r' }));
    expect(document.activeElement).toBe(search);
  });

  it('shows the results asked for at start, unless the catalog changed since', async () => {
    mockIPC((command, args) => {
      if (command === 'current_account') return { url: 'https://aicc.example', email: 'a@b.cn' };
      if (command === 'catalog_facets') return facets;
      searches.push((args as { query: CatalogQuery }).query);
      return { total: 100 + searches.length, models: [] } satisfies SearchPage;
    });
    const count = () => document.querySelector('[data-testid=catalog-count]')?.textContent;
    askEarly();
    component = mount(CatalogScreen, { target: document.body });
    await settle();
    expect(searches).toHaveLength(1);
    expect(count()).toContain('101 models');
    unmount(component);
    askEarly();
    catalog.changes += 1;
    try {
      component = mount(CatalogScreen, { target: document.body });
      await settle();
      expect(searches).toHaveLength(3);
      expect(count()).toContain('103 models');
    } finally {
      catalog.changes = 0;
    }
  });

  it('says so when nothing matches, naming the query', async () => {
    window.location.hash = '#/?q=nothing';
    component = mount(CatalogScreen, { target: document.body });
    await settleWithFacets();
    expect(document.body.textContent).toContain('No model matches “nothing”.');
  });

  it("shows the count with the first rows' search, without waiting for the filters' counts", async () => {
    const calls: { offset: number; limit: number }[] = [];
    let facetCalls = 0;
    mockIPC((command, args) => {
      if (command === 'catalog_search') {
        const { offset, limit } = args as { offset: number; limit: number };
        calls.push({ offset, limit });
        return { total: 3, models: [] } satisfies SearchPage;
      }
      // The filters' counts never arrive.
      if (command === 'catalog_facets') {
        facetCalls += 1;
        return new Promise(() => {});
      }
      throw new Error(`unexpected command ${command}`);
    });
    component = mount(CatalogScreen, { target: document.body });
    await settleWithFacets();
    expect(document.querySelector('[data-testid=catalog-count]')?.textContent).toContain(
      '3 models',
    );
    // Each search asks for the first rows and the count together.
    expect(facetCalls).toBeGreaterThan(0);
    expect(calls).toEqual(Array(calls.length).fill({ offset: 0, limit: 100 }));
    expect(calls.length).toBeGreaterThan(0);
  });

  it("asks for the filters' counts once typing pauses, not per keystroke", async () => {
    let facetCalls: string[] = [];
    mockIPC((command, args) => {
      const query = (args as { query: CatalogQuery }).query;
      if (command === 'catalog_search') return { total: 576, models: [] } satisfies SearchPage;
      if (command === 'catalog_facets') {
        facetCalls.push(query.text);
        return facets;
      }
      throw new Error(`unexpected command ${command}`);
    });
    component = mount(CatalogScreen, { target: document.body });
    await settleWithFacets();
    facetCalls = [];
    for (const text of ['r', 're', 'res']) {
      typeInto('input[name=search]', text);
      await settle();
    }
    expect(facetCalls).toEqual([]);
    await settleWithFacets();
    expect(facetCalls).toEqual(['res']);
  });
});
