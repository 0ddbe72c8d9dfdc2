import { describe, expect, it } from 'vitest';
import { renderCard } from './card';

describe('renderCard', () => {
  it('keeps the Markdown a card is made of', () => {
    const html = renderCard(
      '# ResNet-50\n\n| Metric | Value |\n|---|---|\n| Top-1 | 76.1 |\n\n[Source](https://gitee.com/mindspore/models)',
    );
    expect(html).toContain('<h1>ResNet-50</h1>');
    expect(html).toContain('<td>76.1</td>');
    expect(html).toContain('href="https://gitee.com/mindspore/models"');
  });

  it('leaves nothing that could run or load', () => {
    const html = renderCard(
      [
        '<script>window.pwned = true</script>',
        '<img src="x" onerror="window.pwned = true">',
        '[click](javascript:window.pwned=true)',
        '[data](data:text/html;base64,PHNjcmlwdD4=)',
        '<a href="https://example.cn" onclick="window.pwned = true">link</a>',
        '<iframe src="https://example.cn"></iframe>',
        '<p style="position:fixed">styled</p>',
      ].join('\n\n'),
    );
    expect(html).not.toMatch(/<script|onerror|onclick|javascript:|data:text|<iframe|<img|style=/i);
    expect(html).toContain('https://example.cn');
  });
});
