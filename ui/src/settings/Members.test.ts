import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mount, unmount } from 'svelte';
import { settle, typeInto } from '../lib/testing';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { setupI18n } from '../i18n';
import type {
  Action,
  Invitation,
  Member,
  MemberChange,
  NewInvitation,
  Role,
} from '../lib/bindings';
import Members from './Members.svelte';

const MEMBER_MAY: Action[] = ['read_catalog', 'read_organisation', 'submit_job', 'cancel_own_job'];
const ADMIN_MAY: Action[] = [...MEMBER_MAY, 'cancel_organisation_job', 'manage_members'];

describe('Members', () => {
  let component: ReturnType<typeof mount> | undefined;
  let role: Role;
  let members: Member[];
  let invitations: Invitation[];
  let invited: NewInvitation[];
  let changes: [string, MemberChange][];
  let withdrawn: string[];
  let offline: boolean;

  beforeEach(() => {
    setupI18n('en');
    role = 'partner_admin';
    invited = [];
    changes = [];
    withdrawn = [];
    offline = false;
    members = [
      { id: 'u1', email: 'partner@demo.aicc', name: 'Li Wei', role: 'partner_admin', active: true },
      {
        id: 'u2',
        email: 'engineer@demo.aicc',
        name: 'Zhang Min',
        role: 'partner_member',
        active: true,
      },
    ];
    invitations = [];
    mockIPC((command, args) => {
      if (offline) throw { code: 'offline', message: 'the center cannot be reached' };
      switch (command) {
        case 'my_standing':
          return {
            account: {
              email: role === 'partner_admin' ? 'partner@demo.aicc' : 'engineer@demo.aicc',
              name: '',
              organisation: 'Demo Robotics',
              role,
            },
            may: role === 'partner_admin' ? ADMIN_MAY : MEMBER_MAY,
          };
        case 'list_members':
          return members;
        case 'list_invitations':
          if (role !== 'partner_admin') throw { code: 'forbidden', message: 'not yours' };
          return invitations;
        case 'invite_member': {
          const asked = (args as { new: NewInvitation }).new;
          invited.push(asked);
          const invitation = {
            id: 'inv_1',
            ...asked,
            created_at: '2026-12-02T08:00:00Z',
            expires_at: '2026-12-16T08:00:00Z',
          };
          invitations = [invitation];
          return { ...invitation, code: 'aic_shown-once' };
        }
        case 'withdraw_invitation': {
          const id = (args as { id: string }).id;
          withdrawn.push(id);
          invitations = invitations.filter((i) => i.id !== id);
          return null;
        }
        case 'change_member': {
          const { id, change } = args as { id: string; change: MemberChange };
          changes.push([id, change]);
          members = members.map((m) =>
            m.id === id
              ? { ...m, role: change.role ?? m.role, active: change.active ?? m.active }
              : m,
          );
          return members.find((m) => m.id === id);
        }
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

  const rows = () => [...document.querySelectorAll('[data-testid=member-row]')];

  it('shows a partner member who belongs, and offers them nothing their role may not do', async () => {
    role = 'partner_member';
    component = mount(Members, { target: document.body });
    await settle();
    expect(document.querySelector('legend')?.textContent).toContain('Demo Robotics');
    expect(rows()).toHaveLength(2);
    expect(rows()[1].textContent).toContain('(you)');
    expect(document.querySelector('[data-testid=members] select')).toBeNull();
    expect(document.querySelector('[data-testid=members] button')).toBeNull();
    expect(document.querySelector('input[name=invite-email]')).toBeNull();
    expect(document.querySelector('[role=alert]')).toBeNull();
  });

  it('lets a partner admin invite someone, shows the code once, and withdraw it', async () => {
    component = mount(Members, { target: document.body });
    await settle();
    typeInto('input[name=invite-name]', 'Wang Fang');
    typeInto('input[name=invite-email]', 'wang.fang@demo.aicc');
    document.querySelector<HTMLFormElement>('form.new')?.requestSubmit();
    await settle();
    expect(invited).toEqual([
      { name: 'Wang Fang', email: 'wang.fang@demo.aicc', role: 'partner_member' },
    ]);
    const code = document.querySelector<HTMLInputElement>('[data-testid=invitation-code] input');
    expect(code?.value).toBe('aic_shown-once');
    const invitation = document.querySelector('[data-testid=invitation-row]');
    expect(invitation?.textContent).toContain('wang.fang@demo.aicc');
    expect(invitation?.textContent).not.toContain('aic_shown-once');
    invitation?.querySelector('button')?.click();
    await settle();
    expect(withdrawn).toEqual(['inv_1']);
    expect(document.querySelector('[data-testid=invitation-code]')).toBeNull();
    expect(document.body.textContent).toContain('No open invitations.');
  });

  it('changes a role at once and deactivates only once the admin confirms', async () => {
    component = mount(Members, { target: document.body });
    await settle();
    const select = rows()[1].querySelector('select')!;
    select.value = 'partner_admin';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    await settle();
    expect(changes).toEqual([['u2', { role: 'partner_admin' }]]);
    expect(document.querySelector('[role=status]')?.textContent).toContain(
      'Zhang Min is now: Partner admin',
    );

    rows()[1].querySelector('button')?.click();
    await settle();
    expect(changes).toHaveLength(1);
    rows()[1].querySelector<HTMLButtonElement>('button.danger')?.click();
    await settle();
    expect(changes[1]).toEqual(['u2', { active: false }]);
    expect(rows()[1].textContent).toContain('Deactivated');
    expect(rows()[1].querySelector('button')?.textContent).toContain('Reactivate');
  });

  it('says in Chinese that the center is needed, and keeps what was typed', async () => {
    setupI18n('zh-CN');
    component = mount(Members, { target: document.body });
    await settle();
    offline = true;
    typeInto('input[name=invite-name]', '王芳');
    typeInto('input[name=invite-email]', 'wang.fang@demo.aicc');
    document.querySelector<HTMLFormElement>('form.new')?.requestSubmit();
    await settle();
    expect(document.querySelector('[role=alert]')?.textContent).toContain('无法连接');
    expect(document.querySelector<HTMLInputElement>('input[name=invite-name]')?.value).toBe('王芳');
    expect(document.querySelector<HTMLInputElement>('input[name=invite-email]')?.value).toBe(
      'wang.fang@demo.aicc',
    );
  });
});
