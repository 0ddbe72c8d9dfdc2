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

/** Follows reports until the returned function is called. */
export function followSyncReports(): () => void {
  let stopped = false;
  let unlisten: (() => void) | undefined;
  // Listen first, then ask: a report sent in between is not missed.
  void api
    .onSyncReport((report) => (sync.report = report))
    .then((stop) => {
      if (stopped) stop();
      else unlisten = stop;
      return api.syncStatus();
    })
    .then((report) => {
      if (!stopped) sync.report = report;
    });
  return () => {
    stopped = true;
    unlisten?.();
  };
}
