// The one place the UI talks to Rust: a typed wrapper per command, over the
// declarations generated from the Rust types (bindings.ts). A Rust test keeps
// this list and the app's commands in step.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type {
  Account,
  CatalogQuery,
  CenterAccount,
  CommandError,
  SearchPage,
  SyncReport,
} from './bindings';

export const SYNC_REPORT_EVENT = 'sync-report';

export const api = {
  signIn: (url: string, email: string, password: string) =>
    invoke<Account>('sign_in', { url, email, password }),
  currentAccount: () => invoke<CenterAccount | null>('current_account'),
  catalogSearch: (query: CatalogQuery, offset: number, limit: number) =>
    invoke<SearchPage>('catalog_search', { query, offset, limit }),
  syncStatus: () => invoke<SyncReport>('sync_status'),
  onSyncReport: (handler: (report: SyncReport) => void): Promise<UnlistenFn> =>
    listen<SyncReport>(SYNC_REPORT_EVENT, (event) => handler(event.payload)),
};

/** A search for everything, by relevance: the starting point of every query. */
export const EVERYTHING: CatalogQuery = {
  text: '',
  task: null,
  domain: null,
  framework: null,
  hardware: null,
  license: null,
  min_parameters: null,
  max_parameters: null,
  favourites_only: false,
  sort: 'relevance',
};

/** Whether a rejected command carries the app's `{ code, message }` error. */
export function isCommandError(error: unknown): error is CommandError {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof (error as { code: unknown }).code === 'string'
  );
}
