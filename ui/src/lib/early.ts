// The first answers a start shows are asked for as the script starts, not
// when the screens that show them are built: building and laying out the
// shell and the catalog keeps the page busy for about 75 ms on a machine
// without a GPU (bench, 100k models), and Rust answers meanwhile. Each
// answer is taken once, and only for what it was asked for; anything else
// goes to Rust as usual.
import { router } from 'svelte-spa-router';
import { api } from './api';
import type { CatalogQuery, CenterAccount, SearchPage } from './bindings';
import { fromSearch, toSearch } from '../catalog/route';
import { CHUNK } from '../catalog/ModelResults.svelte';

let account: Promise<CenterAccount | null> | undefined;
let firstPage: { search: string; page: Promise<SearchPage | null> } | undefined;

/**
 * Asks for the account and, when the window opens on the catalog
 * (`#/?q=…`), the first chunk of its search.
 */
export function askEarly(): void {
  account = api.currentAccount().then((found) => {
    // With nobody signed in the search had no store to look in: the
    // account that signs in next gets its own.
    if (found === null) firstPage = undefined;
    return found;
  });
  if (router.location !== '/') return;
  const { query } = fromSearch(router.querystring ?? '');
  firstPage = {
    search: toSearch(query, 'list'),
    // A failed answer is not kept: the catalog then asks again.
    page: api.catalogSearch(query, 0, CHUNK).catch(() => null),
  };
}

/** The signed-in account: the answer asked for at start, once, then Rust's. */
export function currentAccount(): Promise<CenterAccount | null> {
  const early = account;
  account = undefined;
  return early ?? api.currentAccount();
}

/**
 * The first chunk of `query`'s results: the answer asked for at start if
 * it was for this query (once), else Rust's.
 */
export function firstResults(query: CatalogQuery): Promise<SearchPage> {
  const early = firstPage;
  firstPage = undefined;
  const ask = () => api.catalogSearch(query, 0, CHUNK);
  if (early?.search !== toSearch(query, 'list')) return ask();
  return early.page.then((page) => page ?? ask());
}
