import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mount, unmount } from 'svelte';
import { settle, typeInto } from '../lib/testing';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { setupI18n } from '../i18n';
import type {
  Action,
  ApplicationForm as Form,
  ApplicationView,
  CenterInfo,
  Draft,
  Skills,
} from '../lib/bindings';
import ApplicationForm from './ApplicationForm.svelte';

const click = (selector: string) => document.querySelector<HTMLButtonElement>(selector)?.click();

describe('ApplicationForm', () => {
  let component: ReturnType<typeof mount> | undefined;
  let drafts: Map<string, Draft>;
  let saved: (string | null)[];
  let attached: string[];
  let submitted: (string | null)[];
  let may: Action[] | null;

  beforeEach(() => {
    setupI18n('en');
    drafts = new Map();
    saved = [];
    attached = [];
    submitted = [];
    may = null;
    mockIPC((command, args) => {
      const a = args as Record<string, unknown>;
      switch (command) {
        case 'center_info':
          return {
            pools: [],
            quota: null,
            fetched_at: null,
            standing: may && {
              account: {
                email: 'engineer@demo.aicc',
                name: 'Zhao Lei',
                organisation: 'Demo Robotics',
                role: 'partner_member',
              },
              may,
            },
          } satisfies CenterInfo;
        case 'get_draft':
          return drafts.get(a.id as string) ?? null;
        case 'save_draft':
          drafts.set((a.draft as Draft).id, a.draft as Draft);
          return null;
        case 'check_uscc':
          return (a.code as string).endsWith('7')
            ? 'character 18 should be 6: check the code on the business licence'
            : null;
        case 'check_application':
          return null;
        case 'save_application':
          saved.push(a.id as string | null);
          return 'local-app';
        case 'attach_file':
          attached.push(a.id as string);
          return 'licence.pdf';
        case 'outbox_entries':
          return [];
        case 'get_application':
          return null satisfies ApplicationView | null;
        case 'submit_application':
          submitted.push(a.id as string | null);
          return 'local-app';
        case 'skills':
          return {
            holders: [
              {
                email: 'engineer@demo.aicc',
                name: 'Zhao Lei',
                organisation: 'Demo Robotics',
                certifications: [],
              },
              {
                email: 'partner@demo.aicc',
                name: 'Li Na',
                organisation: 'Demo Robotics',
                certifications: [],
              },
            ],
            expiring_soon: 0,
            synced_at: '2026-12-06T08:00:00Z',
          } satisfies Skills;
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

  it('says which character of the credit code is wrong as it is typed', async () => {
    component = mount(ApplicationForm, { target: document.body });
    await settle();
    typeInto('input[name=uscc]', '914403001922038217');
    await settle();
    expect(document.querySelector('[data-field=uscc][role=alert]')?.textContent).toContain(
      'character 18',
    );
    expect(document.querySelector<HTMLButtonElement>('[data-testid=next]')?.disabled).toBe(true);
  });

  it('creates the application once for its files and submits that one, even after a restart', async () => {
    component = mount(ApplicationForm, { target: document.body });
    await settle();
    for (let i = 0; i < 3; i++) {
      click('[data-testid=next]');
      await settle();
    }
    click('[data-testid=attach]');
    await settle();
    click('[data-testid=attach]');
    await settle();
    expect(saved).toEqual([null]);
    expect(attached).toEqual(['local-app', 'local-app']);
    expect((drafts.get('application-new')?.body as { savedId: string }).savedId).toBe('local-app');

    unmount(component);
    document.body.innerHTML = '';
    component = mount(ApplicationForm, { target: document.body });
    await settle();
    for (let i = 0; i < 4; i++) {
      click('[data-testid=next]');
      await settle();
    }
    click('[data-testid=submit-application]');
    await settle();
    expect(submitted).toEqual(['local-app']);
    expect(saved).toEqual([null]);
  });

  it('restores a draft saved before files could be attached', async () => {
    const form: Form = {
      organisation_name: 'Demo Robotics',
      uscc: '',
      organisation_kind: null,
      contact_name: '',
      contact_email: '',
      contact_phone: '',
      industries: [],
      solution_name: '',
      solution_description: '',
      target_hardware: [],
      frameworks: [],
      tier: null,
    };
    drafts.set('application-new', {
      id: 'application-new',
      kind: 'application',
      body: form,
      updated_at: '',
    });
    component = mount(ApplicationForm, { target: document.body });
    await settle();
    expect(document.querySelector<HTMLInputElement>('input[name=organisation_name]')?.value).toBe(
      'Demo Robotics',
    );
  });

  it('lets a member prepare the application and leaves submitting it to a partner admin', async () => {
    may = ['read_organisation', 'edit_application'];
    component = mount(ApplicationForm, { target: document.body });
    await settle();
    for (let i = 0; i < 4; i++) {
      click('[data-testid=next]');
      await settle();
    }
    expect(document.querySelector('[data-testid=submit-application]')).toBeNull();
    expect(document.querySelector('[data-testid=submit-not-yours]')?.textContent).toContain(
      'partner admin',
    );
    click('[data-testid=save-application]');
    await settle();
    expect(saved).toEqual([null]);
    expect(submitted).toEqual([]);
  });

  it('tells a partner admin choosing a higher tier that reviewers see its skills', async () => {
    may = ['submit_application', 'read_organisation_skills'];
    component = mount(ApplicationForm, { target: document.body });
    await settle();
    for (let i = 0; i < 2; i++) {
      click('[data-testid=next]');
      await settle();
    }
    const tier = document.querySelector<HTMLSelectElement>('select[name=tier]');
    if (tier) {
      tier.value = 'registered';
      tier.dispatchEvent(new Event('change'));
    }
    await settle();
    expect(document.querySelector('[data-testid=tier-skills]')).toBeNull();
    if (tier) {
      tier.value = 'premier';
      tier.dispatchEvent(new Event('change'));
    }
    await settle();
    expect(document.querySelector('[data-testid=tier-skills]')?.textContent).toContain(
      '2 engineers hold 0',
    );
  });
});
