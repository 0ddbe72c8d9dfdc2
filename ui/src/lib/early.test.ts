import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { askEarly, currentAccount, firstResults } from './early';
import { EVERYTHING } from './api';
import type { CatalogQuery, CenterAccount, SearchPage } from './bindings';

const account: CenterAccount = {
  url: 'https://aicc.example',
  email: 'partner@demo.aicc',
  network: { proxy: { mode: 'system' }, ca_bundle: null, accept_invalid_certificates: false },
};

/** Opens the window at `hash`, as the router sees it. */
async function openAt(hash: string): Promise<void> {
  window.location.hash = hash;
  await new Promise((resolve) => setTimeout(resolve, 0));
}

describe('answers asked for at start', () => {
  let asked: { command: string; query?: CatalogQuery }[];
  let failNextSearch: boolean;
  let signedIn: CenterAccount | null;

  beforeEach(() => {
    asked = [];
    failNextSearch = false;
    signedIn = account;
    mockIPC((command, args) => {
      const query = (args as { query?: CatalogQuery }).query;
      asked.push({ command, query });
      if (command === 'current_account') return signedIn;
      if (command === 'catalog_search') {
        if (failNextSearch) {
          failNextSearch = false;
          throw new Error('nobody has signed in');
        }
        return { total: asked.length, models: [] } satisfies SearchPage;
      }
      throw new Error(`unexpected ${command}`);
    });
  });
  afterEach(() => clearMocks());

  it('serve the first asker of the same search once, then Rust answers again', async () => {
    await openAt('#/?q=bert&task=LLM');
    askEarly();
    expect(asked.map((a) => a.command)).toEqual(['current_account', 'catalog_search']);
    const query: CatalogQuery = { ...EVERYTHING, text: 'bert', task: 'LLM' };
    expect(await currentAccount()).toEqual(account);
    expect((await firstResults(query)).total).toBe(2);
    expect(asked).toHaveLength(2);
    expect((await firstResults(query)).total).toBe(3);
    expect(await currentAccount()).toEqual(account);
    expect(asked).toHaveLength(4);
  });

  it('are not used for another search, and a list or grid view is the same search', async () => {
    await openAt('#/?q=bert&view=grid');
    askEarly();
    expect((await firstResults({ ...EVERYTHING, text: 'vit' })).total).toBe(3);
    expect(asked[2].query?.text).toBe('vit');
    await openAt('#/?q=bert&view=grid');
    askEarly();
    expect((await firstResults({ ...EVERYTHING, text: 'bert' })).total).toBe(5);
    expect(asked).toHaveLength(5);
  });

  it('ask only for the account when the window opens on another screen', async () => {
    await openAt('#/jobs/42');
    askEarly();
    expect(asked.map((a) => a.command)).toEqual(['current_account']);
  });

  it('are dropped for the search when nobody was signed in at start', async () => {
    signedIn = null;
    await openAt('#/');
    askEarly();
    expect(await currentAccount()).toBeNull();
    // Whoever signs in next has a store of their own to search.
    signedIn = account;
    expect((await firstResults({ ...EVERYTHING })).total).toBe(3);
    expect(asked.map((a) => a.command)).toEqual([
      'current_account',
      'catalog_search',
      'catalog_search',
    ]);
  });

  it('fall back to asking again when the early search failed', async () => {
    failNextSearch = true;
    await openAt('#/');
    askEarly();
    const page = await firstResults({ ...EVERYTHING });
    expect(asked.map((a) => a.command)).toEqual([
      'current_account',
      'catalog_search',
      'catalog_search',
    ]);
    expect(page.total).toBe(3);
  });
});
