import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mount, unmount } from 'svelte';
import { settle, typeInto } from '../lib/testing';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { setupI18n } from '../i18n';
import { MIN_PASSWORD_CHARS, type AccountList } from '../lib/bindings';
import SignIn from './SignIn.svelte';

describe('SignIn', () => {
  let component: ReturnType<typeof mount> | undefined;
  let accounts: AccountList;
  let signIns: Record<string, unknown>[];

  beforeEach(() => {
    setupI18n('en');
    accounts = { accounts: [], active: null };
    signIns = [];
    mockIPC((command, args) => {
      if (command === 'list_accounts') return accounts;
      if (command === 'sign_in') {
        signIns.push(args as Record<string, unknown>);
        return { email: 'li.wei@robotics.example.cn' };
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

  it('signs in through a manual proxy whose password goes to the keyring, not the settings', async () => {
    component = mount(SignIn, { target: document.body, props: { onSignedIn: () => {} } });
    await settle();
    typeInto('input[name=center]', 'https://aicc.example.cn');
    typeInto('input[name=email]', 'li.wei@robotics.example.cn');
    typeInto('input[name=password]', 'hunter2');
    document.querySelector<HTMLInputElement>('input[name=proxy][value=manual]')?.click();
    await settle();
    typeInto('input[name=proxy-url]', 'http://proxy.corp.example.cn:8080');
    typeInto('input[name=proxy-user]', 'li.wei');
    await settle();
    typeInto('input[name=proxy-password]', 's3cret');
    typeInto('input[name=no-proxy]', 'localhost');
    await settle();
    document.querySelector<HTMLFormElement>('form')?.requestSubmit();
    await settle();
    expect(signIns).toHaveLength(1);
    expect(signIns[0]).toMatchObject({
      url: 'https://aicc.example.cn',
      proxyPassword: 's3cret',
      network: {
        proxy: {
          mode: 'manual',
          url: 'http://proxy.corp.example.cn:8080',
          username: 'li.wei',
          no_proxy: 'localhost',
        },
      },
    });
    expect(JSON.stringify(signIns[0].network)).not.toContain('s3cret');
  });

  it('warns before signing in to a plain http center beyond this machine, in either language', async () => {
    for (const lang of ['en', 'zh-CN']) {
      setupI18n(lang);
      signIns = [];
      let signedIn = false;
      mockIPC((command, args) => {
        if (command === 'list_accounts') return accounts;
        if (command === 'sign_in') {
          const call = args as Record<string, unknown>;
          signIns.push(call);
          if (!call.allowPlainHttp) throw { code: 'plain_http', message: 'plain http' };
          return { email: 'li.wei@robotics.example.cn' };
        }
        throw new Error(`unexpected command ${command}`);
      });
      component = mount(SignIn, {
        target: document.body,
        props: { onSignedIn: () => (signedIn = true) },
      });
      await settle();
      typeInto('input[name=center]', 'http://10.20.0.8:8443');
      typeInto('input[name=email]', 'li.wei@robotics.example.cn');
      typeInto('input[name=password]', 'hunter2');
      document.querySelector<HTMLFormElement>('form')?.requestSubmit();
      await settle();
      const warning = document.querySelector('[data-testid=plain-http]');
      expect(warning?.textContent).toContain('http://10.20.0.8:8443');
      expect(warning?.textContent).toContain(lang === 'en' ? 'not encrypted' : '未加密');
      expect(signedIn).toBe(false);
      expect(document.querySelector<HTMLInputElement>('input[name=password]')?.value).toBe(
        'hunter2',
      );
      warning?.querySelector('button')?.click();
      await settle();
      expect(signIns.map((call) => call.allowPlainHttp)).toEqual([false, true]);
      expect(signedIn).toBe(true);
      unmount(component);
      component = undefined;
      document.body.innerHTML = '';
    }
  });

  it('offers the center and network last used', async () => {
    accounts = {
      accounts: [
        {
          url: 'https://aicc.hebei.example.cn/',
          email: 'li.wei@robotics.example.cn',
          network: {
            proxy: { mode: 'manual', url: 'http://proxy:8080', username: null, no_proxy: '' },
            ca_bundle: null,
            accept_invalid_certificates: false,
          },
        },
      ],
      active: null,
    };
    component = mount(SignIn, { target: document.body, props: { onSignedIn: () => {} } });
    await settle();
    expect(document.querySelector<HTMLInputElement>('input[name=center]')?.value).toBe(
      'https://aicc.hebei.example.cn/',
    );
    expect(document.querySelector<HTMLInputElement>('input[name=proxy-url]')?.value).toBe(
      'http://proxy:8080',
    );
  });

  it('offers to sign in for this session only when no keyring can keep the sign-in', async () => {
    setupI18n('zh-CN');
    mockIPC((command, args) => {
      if (command === 'list_accounts') return accounts;
      if (command === 'sign_in') {
        const call = args as Record<string, unknown>;
        signIns.push(call);
        if (!call.sessionOnly) throw { code: 'keyring_unavailable', message: 'no keyring' };
        return { email: 'li.wei@robotics.example.cn' };
      }
      throw new Error(`unexpected command ${command}`);
    });
    let signedIn = false;
    component = mount(SignIn, {
      target: document.body,
      props: { onSignedIn: () => (signedIn = true) },
    });
    await settle();
    typeInto('input[name=center]', 'https://aicc.example.cn');
    typeInto('input[name=email]', 'li.wei@robotics.example.cn');
    typeInto('input[name=password]', 'hunter2');
    document.querySelector<HTMLFormElement>('form')?.requestSubmit();
    await settle();
    const offer = document.querySelector('[data-testid=no-keyring]');
    expect(offer?.textContent).toContain('钥匙串');
    expect(signedIn).toBe(false);
    expect(document.querySelector<HTMLInputElement>('input[name=password]')?.value).toBe('hunter2');
    offer?.querySelector('button')?.click();
    await settle();
    expect(signIns.map((call) => call.sessionOnly)).toEqual([false, true]);
    expect(signedIn).toBe(true);
  });

  it('signs an invited person in with their code and the password they choose', async () => {
    component = mount(SignIn, { target: document.body, props: { onSignedIn: () => {} } });
    await settle();
    document.querySelector<HTMLButtonElement>('[data-testid=invited]')?.click();
    await settle();
    expect(document.querySelector('input[name=email]')).toBeNull();
    typeInto('input[name=center]', 'https://aicc.example.cn');
    typeInto('input[name=code]', 'aic_one-time');
    typeInto('input[name=password]', 'a long new password');
    const password = document.querySelector<HTMLInputElement>('input[name=password]');
    expect(password?.minLength).toBe(MIN_PASSWORD_CHARS);
    expect(password?.autocomplete).toBe('new-password');
    document.querySelector<HTMLFormElement>('form')?.requestSubmit();
    await settle();
    expect(signIns).toHaveLength(1);
    expect(signIns[0]).toMatchObject({
      url: 'https://aicc.example.cn',
      invitationCode: 'aic_one-time',
      password: 'a long new password',
    });
  });
});
