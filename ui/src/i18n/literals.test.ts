// Every user-facing string comes from the message catalogs: a component
// that writes words into its markup fails here.
import { describe, expect, it } from 'vitest';
import { parse } from 'svelte/compiler';

const components = import.meta.glob('../**/*.svelte', {
  query: '?raw',
  import: 'default',
  eager: true,
});

// Language names are written in their own language on purpose.
const ALLOWED = new Set(['简体中文', 'English']);
const TEXT_ATTRIBUTES = new Set(['placeholder', 'title', 'aria-label', 'alt', 'label']);
const WORDS = /[A-Za-z\u4e00-\u9fff]{2,}/;

type Node = { type: string; data?: string; name?: string; value?: unknown; [key: string]: unknown };

function literals(node: unknown, found: string[]): void {
  if (Array.isArray(node)) {
    for (const child of node) literals(child, found);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const n = node as Node;
  if (n.type === 'Text' && typeof n.data === 'string') {
    const text = n.data.trim();
    if (WORDS.test(text) && !ALLOWED.has(text)) found.push(text);
  }
  if (n.type === 'StyleDirective') return;
  if (n.type === 'Attribute') {
    // Only attributes people read; class names and routes are not text.
    if (TEXT_ATTRIBUTES.has(String(n.name)) && Array.isArray(n.value)) {
      for (const part of n.value as Node[]) {
        if (part.type === 'Text' && WORDS.test(String(part.data))) {
          found.push(`${n.name}="${part.data}"`);
        }
      }
    }
    return;
  }
  for (const [key, value] of Object.entries(n)) {
    if (key !== 'type' && key !== 'css' && key !== 'instance' && key !== 'module')
      literals(value, found);
  }
}

describe('components', () => {
  it('were found', () => {
    expect(Object.keys(components).length).toBeGreaterThan(5);
  });

  for (const [path, source] of Object.entries(components)) {
    it(`${path} writes no user-facing text of its own`, () => {
      const ast = parse(source as string, { modern: true });
      const found: string[] = [];
      literals(ast.fragment, found);
      expect(found).toEqual([]);
    });
  }
});
