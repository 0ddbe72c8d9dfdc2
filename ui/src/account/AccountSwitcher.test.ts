import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mount, unmount } from 'svelte';
import { settle } from '../lib/testing';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { setupI18n } from '../i18n';
import type { CenterAccount, CenterState } from '../lib/bindings';
import AccountSwitcher from './AccountSwitcher.svelte';

const at = (host: string): CenterAccount => ({
  url: `https://${host}/`,
  email: 'li.wei@robotics.example.cn',
  network: { proxy: { mode: 'system' }, ca_bundle: null, accept_invalid_certificates: false },
});

const centers: CenterState[] = [
  {
    ...{ index: 0, account: at('aicc.jinghai.example.cn'), center: 'aicc.jinghai.example.cn' },
    ...{ name_en: 'Jinghai AI Computing Center', name_zh: '静海人工智能计算中心' },
    ...{ shown: false, status: { state: 'offline', since: '2026-12-01T08:00:00Z' }, unread: 3 },
  } as CenterState,
  {
    ...{ index: 1, account: at('aicc.binhai.example.cn'), center: 'aicc.binhai.example.cn' },
    ...{ name_en: 'aicc.binhai.example.cn', name_zh: 'aicc.binhai.example.cn' },
    ...{ shown: true, status: { state: 'up_to_date', at: '2026-12-06T08:00:00Z' }, unread: 0 },
  },
  {
    ...{ index: 2, account: at('aicc.old.example.cn'), center: 'aicc.old.example.cn' },
    ...{ name_en: 'aicc.old.example.cn', name_zh: 'aicc.old.example.cn' },
    ...{ shown: false, status: null, unread: 0 },
  },
];

describe('AccountSwitcher', () => {
  let component: ReturnType<typeof mount> | undefined;
  let switched: unknown[];

  beforeEach(() => {
    switched = [];
    mockIPC((command, args) => {
      if (command === 'list_centers') return centers;
      if (command === 'switch_account') {
        switched.push((args as { index: number }).index);
        return null;
      }
      throw new Error(`unexpected command ${command}`);
    });
  });

  afterEach(() => {
    if (component) unmount(component);
    component = undefined;
    clearMocks();
    document.body.innerHTML = '';
  });

  const options = () =>
    [...document.querySelectorAll('option')].map((o) => o.textContent?.trim() ?? '');

  it("says how each center's sync stands and what it has unread, in both languages", async () => {
    setupI18n('en');
    let changed = 0;
    component = mount(AccountSwitcher, {
      target: document.body,
      props: {
        account: at('aicc.binhai.example.cn'),
        onChanged: () => changed++,
        onAddAccount() {},
      },
    });
    await settle();
    const [offline, shown, signedOut] = options();
    // Named as the center names itself, else by its address.
    expect(offline).toMatch(/· Jinghai AI Computing Center — offline since .+ · 3 unread$/);
    expect(shown).toBe('li.wei@robotics.example.cn · aicc.binhai.example.cn — up to date');
    expect(signedOut).toMatch(/signed out$/);
    expect(document.querySelector<HTMLSelectElement>('select')?.value).toBe('1');

    const select = document.querySelector<HTMLSelectElement>('select')!;
    select.value = '0';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    await settle();
    expect(switched).toEqual([0]);
    expect(changed).toBe(1);
    unmount(component);

    setupI18n('zh-CN');
    component = mount(AccountSwitcher, {
      target: document.body,
      props: { account: at('aicc.binhai.example.cn'), onChanged() {}, onAddAccount() {} },
    });
    await settle();
    expect(options()[0]).toMatch(/· 静海人工智能计算中心 — 自 .+ 起离线 · 3 条未读$/);
    expect(options()[2]).toMatch(/已退出登录$/);
  });
});
