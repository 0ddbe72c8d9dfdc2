// A dialog's focus, as keyboard and screen-reader users expect: it moves
// into the dialog when it opens (to `initial`, else its first control),
// Tab and Shift+Tab go round its controls only, Escape closes it, and
// when it closes the focus goes back where it came from (or to
// `returnTo`, when that element was redrawn meanwhile).
const FOCUSABLE =
  'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export interface DialogOptions {
  onClose: () => void;
  initial?: string;
  returnTo?: string;
}

export function dialog(node: HTMLElement, options: DialogOptions) {
  let current = options;
  // WebKit does not focus a button clicked: then nothing but the page had it.
  const opener =
    document.activeElement instanceof HTMLElement && document.activeElement !== document.body
      ? document.activeElement
      : null;
  const controls = () => [...node.querySelectorAll<HTMLElement>(FOCUSABLE)];
  const first = current.initial ? node.querySelector<HTMLElement>(current.initial) : null;
  (first ?? controls()[0])?.focus();

  function onKeydown(event: KeyboardEvent) {
    if (event.key === 'Escape') {
      event.preventDefault();
      current.onClose();
    } else if (event.key === 'Tab') {
      const all = controls();
      if (all.length === 0) return;
      const at = all.indexOf(document.activeElement as HTMLElement);
      const next = event.shiftKey
        ? (at <= 0 ? all.length : at) - 1
        : at === all.length - 1
          ? 0
          : at + 1;
      event.preventDefault();
      all[next].focus();
    }
  }
  node.addEventListener('keydown', onKeydown);

  return {
    update(next: DialogOptions) {
      current = next;
    },
    destroy() {
      node.removeEventListener('keydown', onKeydown);
      const returnTo = current.returnTo;
      // After the screen has redrawn what the dialog replaced.
      setTimeout(() => {
        const back =
          opener?.isConnected === true
            ? opener
            : returnTo
              ? document.querySelector<HTMLElement>(returnTo)
              : null;
        back?.focus();
      });
    },
  };
}
