// How a screen searched as the user types asks its questions: the results
// of every search at once (and again after each sync), the filters'
// counts — the slower question — once the results are shown and typing
// pauses; answers that arrive after a newer search are dropped.
import { onDestroy } from 'svelte';
import { FACETS_AFTER_MS } from './timing';
import { sync } from '../sync/reports.svelte';

export function followSearch<Q, R, C>(
  search: () => Q,
  find: (query: Q) => Promise<R>,
  count: (query: Q) => Promise<C>,
  found: (results: R) => void,
  counted: (counts: C) => void,
): void {
  let asked = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  $effect(() => {
    void sync.report;
    const query = search();
    const ticket = ++asked;
    clearTimeout(timer);
    void find(query).then((results) => {
      if (ticket !== asked) return;
      found(results);
      timer = setTimeout(() => {
        void count(query).then((counts) => {
          if (ticket === asked) counted(counts);
        });
      }, FACETS_AFTER_MS);
    });
  });
  onDestroy(() => clearTimeout(timer));
}
