// When searches ask what, and the performance marks that `cargo xtask
// bench` reads over WebDriver: from a keystroke in the catalog's search box
// to its results on screen. They stay in the page's performance timeline;
// nothing is sent anywhere.

/** How long typing must pause before a search's filter counts are asked
 * for: the slowest question over a large collection, it never holds up the
 * next keystroke's results. */
export const FACETS_AFTER_MS = 150;

const KEYSTROKE = 'aicc:keystroke';
export const KEYSTROKE_TO_RESULTS = 'aicc:keystroke-to-results';

/** A keystroke changed the search. */
export function keystroke(): void {
  performance.clearMarks(KEYSTROKE);
  performance.mark(KEYSTROKE);
}

/** The latest search's results are in the DOM: measured to the next frame. */
export function resultsShown(): void {
  if (performance.getEntriesByName(KEYSTROKE, 'mark').length === 0) return;
  requestAnimationFrame(() => {
    if (performance.getEntriesByName(KEYSTROKE, 'mark').length === 0) return;
    performance.measure(KEYSTROKE_TO_RESULTS, KEYSTROKE);
    performance.clearMarks(KEYSTROKE);
  });
}
