import { flushSync } from 'svelte';
import { expect, it } from 'vitest';
import type { SyncReport } from '../lib/bindings';
import { catalog, sync, take } from './reports.svelte';

it("an upload's progress reaches the progress bar without reloading every screen", () => {
  let reloads = 0;
  const stop = $effect.root(() => {
    $effect(() => {
      void sync.report;
      reloads += 1;
    });
  });
  flushSync();
  expect(reloads).toBe(1);
  const upload = { application_id: 'app_1', file_name: 'licence.pdf', total_bytes: 100 };
  for (const sent_bytes of [10, 50, 100]) {
    take({ ...sync.report, upload: { ...upload, sent_bytes } });
    flushSync();
  }
  expect(reloads).toBe(1);
  expect(sync.report.upload?.sent_bytes).toBe(100);
  take({ ...sync.report, upload: null, outbox_pending: 0, outbox_refused: 1 });
  flushSync();
  expect(reloads).toBe(2);
  stop();
});

it('the catalog is searched again when a sync applied models or ended, not on other reports', () => {
  const status = (s: SyncReport['status']) => take({ ...sync.report, status: s });
  const start = catalog.changes;
  status({ state: 'idle' });
  status({ state: 'up_to_date', at: '2026-11-27T08:00:00Z' });
  expect(catalog.changes - start).toBe(0);
  status({ state: 'syncing', received: 0, total: null });
  status({ state: 'syncing', received: 0, total: 0 });
  expect(catalog.changes - start).toBe(0);
  status({ state: 'syncing', received: 1000, total: 3000 });
  status({ state: 'syncing', received: 2000, total: 3000 });
  expect(catalog.changes - start).toBe(2);
  status({ state: 'up_to_date', at: '2026-11-27T08:05:00Z' });
  expect(catalog.changes - start).toBe(3);
  status({
    state: 'offline',
    since: '2026-11-27T08:06:00Z',
    retry_at: '2026-11-27T08:07:00Z',
    reason: 'unreachable',
  });
  expect(catalog.changes - start).toBe(3);
});
