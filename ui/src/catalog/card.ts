// Model cards are Markdown from the catalog: never trusted. They are turned
// into HTML and sanitised so that nothing in them can run or load anything:
// no script, no event handlers, no styles, no images or frames, and links
// only to the web (opened in the system browser by the page, never here).
import DOMPurify from 'dompurify';
import { marked } from 'marked';

const ONLY_WEB_LINKS = /^(?:https?:|#)/i;

export function renderCard(markdown: string): string {
  const html = marked.parse(markdown, { async: false, gfm: true });
  return DOMPurify.sanitize(html, {
    ALLOWED_URI_REGEXP: ONLY_WEB_LINKS,
    FORBID_TAGS: [
      'style',
      'img',
      'picture',
      'video',
      'audio',
      'iframe',
      'frame',
      'object',
      'embed',
      'form',
      'input',
      'button',
      'svg',
      'math',
      'link',
      'meta',
      'base',
    ],
    FORBID_ATTR: ['style', 'srcset', 'target', 'formaction'],
  });
}
