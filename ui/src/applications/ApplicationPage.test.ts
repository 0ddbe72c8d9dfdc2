import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mount, unmount } from 'svelte';
import { settle } from '../lib/testing';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { setupI18n } from '../i18n';
import type { Action, ApplicationState, ApplicationView, CenterInfo } from '../lib/bindings';
import ApplicationPage from './ApplicationPage.svelte';

const click = (selector: string) => document.querySelector<HTMLButtonElement>(selector)?.click();

function view(state: ApplicationState): ApplicationView {
  return {
    application: {
      id: 'app_1',
      form: {
        organisation_name: 'Demo Robotics',
        uscc: '914403001922038216',
        organisation_kind: 'incubated_startup',
        contact_name: 'Li Wei',
        contact_email: 'li.wei@robotics.example.cn',
        contact_phone: '+86 311 8888 6666',
        solution_name: 'Weld seam inspection',
        solution_description: 'Finds weld defects at the line.',
        industries: ['manufacturing'],
        frameworks: ['MindSpore'],
        target_hardware: ['Atlas 300I Duo'],
        tier: 'certified',
      },
      state,
      attachments: [],
      timeline: [],
      certificate_id: null,
      created_at: '2026-12-01T09:00:00Z',
      updated_at: '2026-12-01T09:00:00Z',
    },
    local: false,
    outbox: null,
    may_withdraw: ['draft', 'submitted', 'under_review', 'changes_requested'].includes(state),
  };
}

describe('ApplicationPage', () => {
  let component: ReturnType<typeof mount> | undefined;
  let may: Action[];
  let current: ApplicationView;
  let withdrawn: string[];

  beforeEach(() => {
    setupI18n('en');
    may = [];
    withdrawn = [];
    current = view('submitted');
    mockIPC((command, args) => {
      const a = args as Record<string, unknown>;
      switch (command) {
        case 'center_info':
          return {
            pools: [],
            quota: null,
            fetched_at: null,
            standing: {
              account: {
                email: 'partner@demo.aicc',
                name: 'Li Wei',
                organisation: 'Demo Robotics',
                role: 'partner_admin',
              },
              may,
            },
          } satisfies CenterInfo;
        case 'get_application':
          return current;
        case 'outbox_entries':
          return [];
        case 'withdraw_application':
          withdrawn.push(a.id as string);
          current = view('withdrawn');
          return null;
        default:
          throw new Error(`unexpected command ${command}`);
      }
    });
  });

  afterEach(() => {
    if (component) unmount(component);
    component = undefined;
    clearMocks();
    document.body.innerHTML = '';
  });

  it('lets a partner admin withdraw an application after saying what that means', async () => {
    may = ['read_organisation', 'withdraw_application'];
    component = mount(ApplicationPage, {
      target: document.body,
      props: { params: { id: 'app_1' } },
    });
    await settle();
    click('[data-testid=withdraw]');
    await settle();
    expect(document.querySelector('[role=alertdialog]')?.textContent).toContain(
      'cannot be sent again',
    );
    expect(withdrawn).toEqual([]);
    // The focus is in the question, on keeping it; Tab goes round its two
    // answers; Escape keeps it and returns the focus to Withdraw.
    const focused = () => document.activeElement?.getAttribute('data-testid');
    expect(focused()).toBe('withdraw-keep');
    const press = (key: string, shiftKey = false) =>
      document.activeElement?.dispatchEvent(
        new KeyboardEvent('keydown', { key, shiftKey, bubbles: true }),
      );
    press('Tab');
    expect(focused()).toBe('withdraw-confirm');
    press('Tab', true);
    expect(focused()).toBe('withdraw-keep');
    press('Escape');
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(document.querySelector('[role=alertdialog]')).toBeNull();
    expect(focused()).toBe('withdraw');
    click('[data-testid=withdraw]');
    await settle();
    click('[data-testid=withdraw-confirm]');
    await settle();
    expect(withdrawn).toEqual(['app_1']);
    expect(document.querySelector('[data-testid=application-state]')?.textContent).toContain(
      'Withdrawn',
    );
    expect(document.querySelector('[data-testid=withdraw]')).toBeNull();
  });

  it('offers no withdrawal to a member, nor once the center has decided', async () => {
    may = ['read_organisation', 'edit_application'];
    component = mount(ApplicationPage, {
      target: document.body,
      props: { params: { id: 'app_1' } },
    });
    await settle();
    expect(document.querySelector('[data-testid=withdraw]')).toBeNull();
    unmount(component);
    may = ['read_organisation', 'withdraw_application'];
    current = view('approved');
    component = mount(ApplicationPage, {
      target: document.body,
      props: { params: { id: 'app_1' } },
    });
    await settle();
    expect(document.querySelector('[data-testid=withdraw]')).toBeNull();
  });

  it('speaks Chinese too', async () => {
    setupI18n('zh-CN');
    may = ['withdraw_application'];
    component = mount(ApplicationPage, {
      target: document.body,
      props: { params: { id: 'app_1' } },
    });
    await settle();
    expect(document.querySelector('[data-testid=withdraw]')?.textContent).toContain('撤回申请');
  });
});
