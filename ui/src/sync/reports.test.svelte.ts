import { flushSync } from 'svelte';
import { expect, it } from 'vitest';
import { sync, take } from './reports.svelte';

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
