import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flushSync, mount, tick, unmount } from 'svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { setupI18n } from '../i18n';
import type { ModelSummary, SearchPage } from '../lib/bindings';
import CatalogScreen from './CatalogScreen.svelte';

const models: ModelSummary[] = [
  {
    id: 'resnet50',
    name: 'resnet50',
    provider: 'MindSpore',
    task: 'Image Classification',
    domain: 'Image',
    framework: 'mindspore',
    parameters: 25_600_000,
    stars: 0,
    updated_at: '2026-11-01T00:00:00Z',
    favourite: false,
  },
  {
    id: 'qwen3-32b',
    name: 'Qwen3 32B',
    provider: 'Ascend',
    task: 'LLM',
    domain: 'Text',
    framework: 'pytorch_npu',
    parameters: 32_000_000_000,
    stars: 12,
    updated_at: '2026-11-20T00:00:00Z',
    favourite: true,
  },
];

async function settle() {
  for (let i = 0; i < 5; i++) {
    await tick();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  flushSync();
}

describe('CatalogScreen', () => {
  let queries: string[];
  let component: ReturnType<typeof mount> | undefined;

  beforeEach(() => {
    setupI18n('en');
    queries = [];
    mockIPC((command, args) => {
      if (command === 'catalog_search') {
        const query = (args as { query: { text: string } }).query.text;
        queries.push(query);
        const found = models.filter((m) => m.name.toLowerCase().includes(query.toLowerCase()));
        return { total: found.length, models: found } satisfies SearchPage;
      }
      if (command === 'plugin:event|listen') return 1;
      if (command === 'sync_status')
        return {
          status: { state: 'idle' },
          catalog_synced_at: null,
          outbox_pending: 0,
          outbox_refused: 0,
          live: false,
        };
      throw new Error(`unexpected command ${command}`);
    });
  });

  afterEach(() => {
    if (component) unmount(component);
    component = undefined;
    clearMocks();
    document.body.innerHTML = '';
  });

  it('lists the local catalog and searches it as the user types', async () => {
    component = mount(CatalogScreen, { target: document.body });
    await settle();
    expect(document.querySelectorAll('[data-model-id]')).toHaveLength(2);
    expect(document.body.textContent).toContain('2 of 2 models');
    expect(document.body.textContent).toContain('25.6M parameters');

    const input = document.querySelector<HTMLInputElement>('input[name=search]')!;
    input.value = 'qwen';
    input.dispatchEvent(new Event('input'));
    await settle();
    expect(queries.at(-1)).toBe('qwen');
    const rows = [...document.querySelectorAll('[data-model-id]')].map((r) =>
      r.getAttribute('data-model-id'),
    );
    expect(rows).toEqual(['qwen3-32b']);
  });

  it('says so when nothing matches, naming the query', async () => {
    component = mount(CatalogScreen, { target: document.body });
    await settle();
    const input = document.querySelector<HTMLInputElement>('input[name=search]')!;
    input.value = 'bert';
    input.dispatchEvent(new Event('input'));
    await settle();
    expect(document.body.textContent).toContain('No model matches “bert”.');
  });
});
