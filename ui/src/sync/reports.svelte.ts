// The sync engine's latest report, kept current from Rust's `sync-report` events.
import { api } from '../lib/api';
import type { SyncReport } from '../lib/bindings';

export const sync = $state<{ report: SyncReport }>({
  report: {
    status: { state: 'idle' },
    catalog_synced_at: null,
    outbox_pending: 0,
    outbox_refused: 0,
    live: false,
    upload: null,
  },
});

/**
 * Counts the reports after which the local catalog may hold other models:
 * a page of changes applied during a sync, or a sync's end (a re-list
 * drops what the center no longer lists). The catalog searches again on
 * these only: other reports (the first one asked for at start, a sync
 * starting, going offline) would throw away the search in flight and ask
 * again.
 */
export const catalog = $state({ changes: 0 });

/**
 * Takes a new report. One that only moves an attachment's upload along
 * updates just `upload`: screens that reload on every report (`void
 * sync.report`) then reload on news, not once per percent of an upload.
 */
export function take(report: SyncReport): void {
  const before = sync.report.status;
  const after = report.status;
  const applied =
    after.state === 'syncing' &&
    after.received > (before.state === 'syncing' ? before.received : 0);
  const ended = before.state === 'syncing' && after.state !== 'syncing';
  if (applied || ended) catalog.changes += 1;
  const rest = (r: SyncReport) => JSON.stringify({ ...r, upload: null });
  if (rest(report) === rest(sync.report)) sync.report.upload = report.upload;
  else sync.report = report;
}

/** Follows reports until the returned function is called. */
export function followSyncReports(): () => void {
  let stopped = false;
  let unlisten: (() => void) | undefined;
  // Listen first, then ask: a report sent in between is not missed.
  void api
    .onSyncReport(take)
    .then((stop) => {
      if (stopped) stop();
      else unlisten = stop;
      return api.syncStatus();
    })
    .then((report) => {
      if (!stopped) take(report);
    });
  return () => {
    stopped = true;
    unlisten?.();
  };
}
