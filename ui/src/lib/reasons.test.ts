import { describe, expect, it } from 'vitest';
import { get } from 'svelte/store';
import { _ } from 'svelte-i18n';
import { setupI18n } from '../i18n';
import { reasonText } from './reasons';

describe("what the center says, in the user's language", () => {
  it('words a known code with its values, else shows the center’s words, marked', () => {
    setupI18n('zh-CN');
    const t = get(_);
    const code = (c: string, params: Record<string, string> = {}) => ({ code: c, params });
    expect(reasonText(t, code('nodes', { most: '4' }), 'this pool has 4 nodes')).toBe(
      '该资源池有 4 个节点；请申请 1 至 4 个',
    );
    expect(reasonText(t, code('a_code_from_a_newer_center'), 'seats are frozen')).toBe(
      'seats are frozen（计算中心原文）',
    );
    // Words needing a value the code did not bring are not shown half filled.
    expect(reasonText(t, code('nodes'), 'this pool has 4 nodes')).toBe(
      'this pool has 4 nodes（计算中心原文）',
    );
    // A code is a key of the catalogue's words, never an object's own property.
    expect(reasonText(t, code('constructor'), 'odd')).toBe('odd（计算中心原文）');
    expect(reasonText(t, null, null)).toBeNull();
  });
});
