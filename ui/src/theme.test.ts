// Both themes meet WCAG 2.1 AA: 4.5:1 for text on the surfaces it sits on
// (1.4.3), 3:1 for the borders that show where a control is (1.4.11).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wcagContrast } from 'culori';

const css = readFileSync(join(__dirname, 'app.css'), 'utf8');

/** The custom properties set in the first block that `selector` opens. */
function palette(selector: string): Record<string, string> {
  const start = css.indexOf(`${selector} {`);
  if (start < 0) throw new Error(`app.css has no ${selector} block`);
  const body = css.slice(start, css.indexOf('}', start));
  return Object.fromEntries(
    [...body.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})/g)].map((m) => [m[1], m[2]]),
  );
}

const light = palette(':root');
const dark = palette(":root[data-theme='dark']");
const TEXT = ['text', 'muted', 'accent', 'focus', 'ok', 'warn', 'bad'];
const SURFACES = ['bg', 'surface'];

describe.each([
  ['light', light],
  ['dark', dark],
])('the %s theme', (_, colours) => {
  it.each(TEXT.flatMap((fg) => SURFACES.map((bg) => [fg, bg])))(
    '--%s text on --%s reads at 4.5:1 or more',
    (fg, bg) => {
      expect(wcagContrast(colours[fg], colours[bg])).toBeGreaterThanOrEqual(4.5);
    },
  );

  it('--accent-text on an --accent button reads at 4.5:1 or more', () => {
    expect(wcagContrast(colours['accent-text'], colours.accent)).toBeGreaterThanOrEqual(4.5);
  });

  it.each(SURFACES)('control borders stand out from --%s at 3:1 or more', (bg) => {
    expect(wcagContrast(colours['control-border'], colours[bg])).toBeGreaterThanOrEqual(3);
  });
});

it("the OS's dark mode and the chosen dark theme use the same colours", () => {
  const start = css.indexOf(
    "@media (prefers-color-scheme: dark) {\n  :root:not([data-theme='light']) {",
  );
  const following = css.slice(start).replace(":root:not([data-theme='light'])", ':root');
  const fromOs = Object.fromEntries(
    [...following.slice(0, following.indexOf('}')).matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})/g)].map(
      (m) => [m[1], m[2]],
    ),
  );
  expect(fromOs).toEqual(dark);
});
