import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mount, unmount } from 'svelte';
import { settle, typeInto } from '../lib/testing';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { setupI18n } from '../i18n';
import type { NewPersonalToken, PersonalToken } from '../lib/bindings';
import PersonalTokens from './PersonalTokens.svelte';

describe('PersonalTokens', () => {
  let component: ReturnType<typeof mount> | undefined;
  let tokens: PersonalToken[];
  let created: NewPersonalToken[];
  let revoked: string[];
  let offline: boolean;

  beforeEach(() => {
    setupI18n('en');
    created = [];
    revoked = [];
    offline = false;
    tokens = [
      {
        id: 'pat_1',
        name: 'dashboard',
        scopes: ['read'],
        created_at: '2026-11-02T08:00:00Z',
        expires_at: '2027-01-31T08:00:00Z',
        last_used_at: null,
      },
    ];
    mockIPC((command, args) => {
      if (offline) throw { code: 'offline', message: 'the center cannot be reached' };
      if (command === 'list_personal_tokens') return tokens;
      if (command === 'create_personal_token') {
        const asked = (args as { new: NewPersonalToken }).new;
        created.push(asked);
        const token = {
          id: 'pat_2',
          name: asked.name,
          scopes: asked.scopes ?? ['read'],
          created_at: '2026-12-02T08:00:00Z',
          expires_at: '2027-03-02T08:00:00Z',
          last_used_at: null,
        };
        tokens = [...tokens, token];
        return { ...token, token: 'apt_shown-once' };
      }
      if (command === 'revoke_personal_token') {
        const id = (args as { id: string }).id;
        revoked.push(id);
        tokens = tokens.filter((t) => t.id !== id);
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

  const rows = () => [...document.querySelectorAll('[data-testid=token-row]')];

  it('makes a scoped token and shows its secret once, then only its name', async () => {
    component = mount(PersonalTokens, { target: document.body });
    await settle();
    expect(rows()).toHaveLength(1);
    expect(rows()[0].textContent).toContain('never');
    typeInto('input[name=token-name]', 'nightly fine-tune');
    document.querySelector<HTMLInputElement>('input[name=scope-jobs]')?.click();
    await settle();
    document.querySelector<HTMLFormElement>('form')?.requestSubmit();
    await settle();
    expect(created).toEqual([
      { name: 'nightly fine-tune', scopes: ['read', 'jobs'], expires_in_days: 90 },
    ]);
    const secret = document.querySelector<HTMLInputElement>('[data-testid=new-token] input');
    expect(secret?.value).toBe('apt_shown-once');
    expect(rows()).toHaveLength(2);
    expect(rows()[1].textContent).not.toContain('apt_shown-once');
    document.querySelector<HTMLButtonElement>('[data-testid=new-token] button')?.click();
    await settle();
    expect(document.querySelector('[data-testid=new-token]')).toBeNull();
    expect(document.body.textContent).not.toContain('apt_shown-once');
  });

  it('revokes a token only once the user confirms', async () => {
    component = mount(PersonalTokens, { target: document.body });
    await settle();
    rows()[0].querySelector('button')?.click();
    await settle();
    expect(revoked).toEqual([]);
    rows()[0].querySelector<HTMLButtonElement>('button.danger')?.click();
    await settle();
    expect(revoked).toEqual(['pat_1']);
    expect(rows()).toHaveLength(0);
    expect(document.body.textContent).toContain('No personal access tokens yet.');
  });

  it('says in Chinese that the center is needed, and keeps what was typed', async () => {
    setupI18n('zh-CN');
    component = mount(PersonalTokens, { target: document.body });
    await settle();
    offline = true;
    typeInto('input[name=token-name]', '夜间微调');
    document.querySelector<HTMLFormElement>('form')?.requestSubmit();
    await settle();
    expect(document.querySelector('[role=alert]')?.textContent).toContain('无法连接');
    expect(document.querySelector<HTMLInputElement>('input[name=token-name]')?.value).toBe(
      '夜间微调',
    );
  });
});
