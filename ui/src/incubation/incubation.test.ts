import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mount, unmount } from 'svelte';
import { settle } from '../lib/testing';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { setupI18n } from '../i18n';
import type {
  Action,
  CenterInfo,
  CreditsView,
  Draft,
  EventView,
  MentorsView,
  Due,
  IncubationView,
  MilestoneState,
  MilestoneView,
} from '../lib/bindings';
import IncubationScreen from './IncubationScreen.svelte';
import MilestonePage from './MilestonePage.svelte';

function milestone(id: string, state: MilestoneState, due: Due, due_on: string): MilestoneView {
  return {
    milestone: {
      id,
      title: `Milestone ${id}`,
      description: 'Four weeks on two weld lines.',
      deliverable: 'The pilot report',
      due_on,
      state,
      evidence: null,
      attachments: [],
      review_comment: state === 'changes_requested' ? 'Add the false alarms per line' : null,
      timeline: [],
      created_at: '2026-09-01T00:00:00Z',
      updated_at: '2026-09-01T00:00:00Z',
    },
    due,
    may_submit: state === 'planned' || state === 'changes_requested',
    outbox: null,
    uploads: [],
  };
}

const plan: IncubationView = {
  enrolment: {
    programme: {
      id: 'prg_1',
      name: 'Ascend Application Incubation Programme',
      description: 'Twelve months to bring a product to Ascend.',
      staff: ['Wang Fang <reviewer@demo.aicc>'],
    },
    cohort: { id: 'coh_1', name: '2026 cohort', starts_on: '2026-09-01', ends_on: '2027-08-31' },
    enrolled_at: '2026-09-01T00:00:00Z',
  },
  milestones: [
    milestone('ms_adapt', 'accepted', 'done', '2026-10-15'),
    milestone('ms_recall', 'submitted', 'with_reviewer', '2026-11-30'),
    milestone('ms_pilot', 'changes_requested', 'soon', '2026-12-12'),
    milestone('ms_video', 'planned', 'overdue', '2026-12-01'),
  ],
};

// jsdom has no canvas: the chart library draws nothing here (the end-to-end
// test sees the real chart).
vi.mock('uplot', () => ({
  default: class {
    setData(): void {}
    destroy(): void {}
  },
}));

function credit(id: string, npu_hours: number, used: number, expires_at: string) {
  return {
    id,
    npu_hours,
    reason: `Grant ${id}`,
    granted_at: '2026-10-01T00:00:00Z',
    expires_at,
    npu_hours_used: used,
    usage: [],
  };
}

const credits: CreditsView = {
  credits: [
    {
      credit: credit('cr_pilot', 40, 0, '2026-12-10T00:00:00Z'),
      npu_hours_left: 40,
      expired: false,
      expiring_soon: true,
    },
    {
      credit: credit('cr_adapt', 300, 42.5, '2027-04-01T00:00:00Z'),
      npu_hours_left: 257.5,
      expired: false,
      expiring_soon: false,
    },
    {
      credit: credit('cr_old', 20, 5, '2026-11-01T00:00:00Z'),
      npu_hours_left: 0,
      expired: true,
      expiring_soon: false,
    },
  ],
  npu_hours_granted: 340,
  npu_hours_used: 42.5,
  npu_hours_left: 297.5,
  npu_hours_expiring_soon: 40,
  burn_down: [
    { at: '2026-10-01T00:00:00Z', npu_hours_left: 0 },
    { at: '2026-10-01T00:00:00Z', npu_hours_left: 340 },
    { at: '2026-12-06T12:00:00Z', npu_hours_left: 297.5 },
  ],
};

function event(
  id: string,
  seats: number,
  seatsTaken: number,
  mine: number | null | undefined,
  begun = false,
): EventView {
  return {
    event: {
      id,
      cohort_id: 'coh_1',
      kind: 'workshop',
      title: `Event ${id}`,
      description: '',
      starts_at: begun ? '2026-12-01T06:00:00Z' : '2026-12-22T06:00:00Z',
      ends_at: begun ? '2026-12-01T09:00:00Z' : '2026-12-22T09:00:00Z',
      place: 'Lab B',
      link: id === 'ev_training' ? 'https://meeting.demo-aicc.example.cn/j/552190' : null,
      seats,
      seats_taken: seatsTaken,
      waitlisted: mine ? mine : 0,
      mine:
        mine === undefined
          ? null
          : { registered_at: '2026-12-01T00:00:00Z', waitlist_position: mine },
    },
    begun,
    outbox: null,
  };
}

const events: EventView[] = [
  event('ev_training', 30, 4, undefined),
  event('ev_lab', 1, 1, 2),
  event('ev_seat', 10, 3, null),
  event('ev_full', 1, 1, undefined),
  event('ev_past', 10, 3, undefined, true),
];

const mentors: MentorsView = {
  mentors: [
    {
      id: 'mtr_gao',
      name: 'Gao Min',
      expertise: 'Model conversion with ATC',
      languages: ['zh-CN', 'en'],
    },
    { id: 'mtr_liu', name: 'Liu Yang', expertise: 'Industrial vision', languages: ['zh-CN'] },
  ],
  office_hours: [
    {
      office_hours: {
        id: 'oh_1',
        mentor: { id: 'mtr_gao', name: 'Gao Min', expertise: '', languages: ['en'] },
        topic: 'A custom layer ATC does not convert',
        slots: ['2026-12-09T02:00:00Z', '2026-12-10T06:00:00Z'],
        state: 'accepted',
        chosen_slot: '2026-12-10T06:00:00Z',
        note: 'Lab B; bring the ONNX export',
        requested_by: 'partner@demo.aicc',
        created_at: '2026-12-04T00:00:00Z',
        updated_at: '2026-12-05T00:00:00Z',
      },
      outbox: null,
    },
  ],
};

describe('incubation', () => {
  let component: ReturnType<typeof mount> | undefined;
  let may: Action[] | null;
  let drafts: Map<string, Draft>;
  let submitted: unknown[];
  let discarded: number[];
  let registrations: unknown[];
  let officeHours: unknown[];
  let attached: unknown[];
  let shownMilestone: MilestoneView | null;

  beforeEach(() => {
    attached = [];
    shownMilestone = null;
    registrations = [];
    officeHours = [];
    may = ['read_organisation', 'submit_milestone'];
    drafts = new Map();
    submitted = [];
    discarded = [];
    mockIPC((command, args) => {
      const a = args as Record<string, unknown>;
      switch (command) {
        case 'incubation':
          return plan;
        case 'credits':
          return credits;
        case 'cohort_events':
          return events;
        case 'mentors':
          return mentors;
        case 'request_office_hours':
          officeHours.push(a.request);
          return 'local-oh';
        case 'register_for_event':
          registrations.push({ id: a.id, register: a.register });
          return null;
        case 'open_external':
          return null;
        case 'get_milestone':
          return shownMilestone ?? plan.milestones.find((m) => m.milestone.id === a.id) ?? null;
        case 'attach_evidence':
          attached.push({ id: a.id, title: a.title });
          return 'pilot-report.pdf';
        case 'center_info':
          return {
            pools: [],
            quota: null,
            fetched_at: null,
            standing: may
              ? {
                  account: {
                    email: 'engineer@demo.aicc',
                    name: 'Zhao Lei',
                    organisation: 'Demo Robotics',
                    role: 'partner_member',
                  },
                  may,
                }
              : null,
          } satisfies CenterInfo;
        case 'get_draft':
          return drafts.get(a.id as string) ?? null;
        case 'save_draft':
          drafts.set((a.draft as Draft).id, a.draft as Draft);
          return null;
        case 'submit_milestone':
          submitted.push({ id: a.id, evidence: a.evidence, draftId: a.draftId });
          return null;
        case 'discard_write':
          discarded.push(a.seq as number);
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

  it('shows the programme and the plan by due date, overdue and due soon marked, in both languages', async () => {
    setupI18n('en');
    component = mount(IncubationScreen, { target: document.body });
    await settle();
    const text = document.querySelector('[data-testid=incubation]')?.textContent ?? '';
    expect(text).toContain('Ascend Application Incubation Programme');
    expect(text).toContain('2026 cohort, Sep 1, 2026 – Aug 31, 2027');
    const rows = [...document.querySelectorAll('[data-testid=milestone-list] li')];
    expect(rows.map((r) => r.getAttribute('data-due'))).toEqual([
      'done',
      'with_reviewer',
      'soon',
      'overdue',
    ]);
    expect(rows[1].textContent).not.toContain('Overdue');
    expect(rows[3].textContent).toContain('Overdue');
    expect(rows[2].textContent).toContain('Due soon');
    expect(rows[2].textContent).toContain('Changes asked for');
    unmount(component);

    setupI18n('zh-CN');
    component = mount(IncubationScreen, { target: document.body });
    await settle();
    const zh = document.querySelector('[data-testid=milestone-list]')?.textContent ?? '';
    expect(zh).toContain('已逾期');
    expect(zh).toContain('需要修改');
    expect(zh).toContain('2026年12月12日');
  });

  it('shows the credits left, those expiring soon, their burn-down and each grant, in both languages', async () => {
    setupI18n('en');
    component = mount(IncubationScreen, { target: document.body });
    await settle();
    const section = () => document.querySelector('[data-testid=credits]');
    expect(section()?.querySelector('[data-testid=credits-summary]')?.textContent?.trim()).toBe(
      '297.5 NPU-hours left of 340 granted · 42.5 used',
    );
    expect(section()?.querySelector('[data-testid=credits-expiring]')?.textContent).toContain(
      '40 NPU-hours expire within a week',
    );
    expect(
      section()?.querySelector('[data-testid=credit-chart]')?.getAttribute('data-points'),
    ).toBe('3');
    const rows = [...(section()?.querySelectorAll('[data-testid=credit-list] tbody tr') ?? [])];
    expect(rows.map((r) => r.getAttribute('data-credit'))).toEqual([
      'cr_pilot',
      'cr_adapt',
      'cr_old',
    ]);
    expect(rows[0].textContent).toContain('Expires soon');
    expect(rows[1].textContent).toContain('257.5');
    expect(rows[2].textContent).toContain('Expired');
    unmount(component);

    // A notification's click: the grant it is about, in view (jsdom lays
    // nothing out, so scrolling is only seen asked for).
    const scrolled = vi.fn();
    Element.prototype.scrollIntoView = scrolled;
    await new Promise((resolve) => {
      window.addEventListener('hashchange', resolve, { once: true });
      window.location.hash = '#/credits/cr_adapt';
    });
    setupI18n('zh-CN');
    component = mount(IncubationScreen, {
      target: document.body,
      props: { params: { id: 'cr_adapt' } },
    });
    await settle();
    expect(section()?.textContent).toContain('算力券');
    expect(section()?.textContent).toContain('即将到期');
    expect(document.querySelector('tr.focused')?.getAttribute('data-credit')).toBe('cr_adapt');
    expect(scrolled).toHaveBeenCalled();
  });

  it("shows the cohort's events with seats, the waitlist and the user's place, and registers", async () => {
    may = ['read_organisation', 'register_for_events'];
    setupI18n('en');
    component = mount(IncubationScreen, { target: document.body });
    await settle();
    const row = (id: string) => document.querySelector(`[data-event=${id}]`);
    const action = (id: string) =>
      row(id)
        ?.querySelector('[data-testid=event-action]')
        ?.textContent?.replace(/\s+/g, ' ')
        .trim();
    expect(action('ev_training')).toBe('Register');
    expect(action('ev_lab')).toBe('On the waitlist, number 2 Give up my place');
    expect(row('ev_lab')?.querySelector('[data-testid=event-seats]')?.textContent).toContain(
      '1 of 1 seats taken · 2 waiting',
    );
    expect(action('ev_seat')).toBe('You have a seat Give up my place');
    expect(action('ev_full')).toBe('Join the waitlist');
    expect(action('ev_past')).toBe('Registration closed');
    row('ev_full')?.querySelector<HTMLButtonElement>('[data-testid=event-register]')?.click();
    row('ev_seat')?.querySelector<HTMLButtonElement>('[data-testid=event-cancel]')?.click();
    await settle();
    expect(registrations).toEqual([
      { id: 'ev_full', register: true },
      { id: 'ev_seat', register: false },
    ]);
    unmount(component);

    setupI18n('zh-CN');
    component = mount(IncubationScreen, { target: document.body });
    await settle();
    expect(action('ev_lab')).toBe('候补第 2 位 取消报名');
    expect(action('ev_full')).toBe('加入候补');
    expect(row('ev_training')?.textContent).toContain('工作坊');
  });

  it('shows the mentors and the answers, and asks for office hours with the times chosen', async () => {
    may = ['read_organisation', 'request_office_hours'];
    setupI18n('en');
    component = mount(IncubationScreen, { target: document.body });
    await settle();
    const section = document.querySelector('[data-testid=mentors]');
    expect(section?.querySelector('[data-mentor=mtr_gao]')?.textContent).toContain(
      'Speaks Chinese, English',
    );
    const answered = section?.querySelector('[data-office-hours=oh_1]')?.textContent ?? '';
    expect(answered).toContain('Accepted');
    expect(answered).toContain("The mentor's note: Lab B; bring the ONNX export");
    const form = section?.querySelector<HTMLFormElement>('[data-testid=office-hours-form]');
    const select = form?.querySelector<HTMLSelectElement>('select[name=mentor]');
    if (select) {
      select.value = 'mtr_liu';
      select.dispatchEvent(new Event('change'));
    }
    const type = (name: string, value: string) => {
      const field = form?.querySelector<HTMLInputElement | HTMLTextAreaElement>(`[name=${name}]`);
      if (!field) throw new Error(`no ${name}`);
      field.value = value;
      field.dispatchEvent(new Event('input'));
    };
    type('topic', 'Glare on polished seams');
    type('slot-1', '2026-12-20T10:00');
    type('slot-3', '2026-12-21T15:30');
    form?.querySelector<HTMLButtonElement>('[data-testid=office-hours-send]')?.click();
    await settle();
    expect(officeHours).toEqual([
      {
        mentor_id: 'mtr_liu',
        topic: 'Glare on polished seams',
        slots: [
          new Date('2026-12-20T10:00').toISOString(),
          new Date('2026-12-21T15:30').toISOString(),
        ],
      },
    ]);
    unmount(component);

    setupI18n('zh-CN');
    component = mount(IncubationScreen, { target: document.body });
    await settle();
    const zh = document.querySelector('[data-testid=mentors]')?.textContent ?? '';
    expect(zh).toContain('导师与答疑时段');
    expect(zh).toContain('授课语言：中文, 英文');
    expect(zh).toContain('已接受');
  });

  it('offers no registration nor office hours to whom the role does not let ask', async () => {
    may = ['read_organisation'];
    setupI18n('en');
    component = mount(IncubationScreen, { target: document.body });
    await settle();
    expect(document.querySelector('[data-testid=event-register]')).toBeNull();
    expect(document.querySelector('[data-testid=event-cancel]')).toBeNull();
    expect(document.querySelector('[data-testid=office-hours-form]')).toBeNull();
  });

  it("lists the evidence's files, sent and waiting, and attaches another through the dialog", async () => {
    setupI18n('en');
    const pilot = milestone('ms_pilot', 'changes_requested', 'soon', '2026-12-12');
    shownMilestone = {
      ...pilot,
      milestone: {
        ...pilot.milestone,
        attachments: [
          {
            id: 'att_1',
            file_name: 'line-1.pdf',
            media_type: 'application/pdf',
            size_bytes: 2048,
            sha256: 'ab',
          },
        ],
      },
      uploads: [
        {
          seq: 7,
          write: { kind: 'upload_evidence', milestone_id: 'ms_pilot', file_name: 'line-2.pdf' },
          refusal: null,
          attempts: 0,
          created_at: '2026-12-06T08:00:00Z',
        },
      ],
    };
    component = mount(MilestonePage, {
      target: document.body,
      props: { params: { id: 'ms_pilot' } },
    });
    await settle();
    const rows = [...document.querySelectorAll('[data-testid=evidence-files] li')].map((li) => [
      li.getAttribute('data-state'),
      li.querySelector('.name')?.textContent,
    ]);
    expect(rows).toEqual([
      ['sent', 'line-1.pdf'],
      ['waiting', 'line-2.pdf'],
    ]);
    document.querySelector<HTMLButtonElement>('[data-testid=attach-evidence]')?.click();
    await settle();
    expect(attached).toEqual([{ id: 'ms_pilot', title: 'Attach a file to the evidence' }]);
  });

  it('keeps the evidence as typed and sends it with its draft, showing what the reviewer asked', async () => {
    setupI18n('en');
    drafts.set('milestone-ms_pilot', {
      id: 'milestone-ms_pilot',
      kind: 'milestone',
      body: { text: 'Rates per line: 1.9% and 2.3%' },
      updated_at: '2026-12-05T10:00:00Z',
    });
    component = mount(MilestonePage, {
      target: document.body,
      props: { params: { id: 'ms_pilot' } },
    });
    await settle();
    expect(document.querySelector('[data-testid=review-comment]')?.textContent).toContain(
      'Add the false alarms per line',
    );
    const area = document.querySelector<HTMLTextAreaElement>('textarea[name=evidence]')!;
    expect(area.value).toBe('Rates per line: 1.9% and 2.3%');
    area.value = 'Rates per line: 1.9% and 2.3%; report in the shared folder';
    area.dispatchEvent(new Event('input', { bubbles: true }));
    await settle();
    expect((drafts.get('milestone-ms_pilot')?.body as { text: string }).text).toContain(
      'shared folder',
    );
    document.querySelector<HTMLButtonElement>('[data-testid=submit-evidence]')?.click();
    await settle();
    expect(submitted).toEqual([
      {
        id: 'ms_pilot',
        evidence: { text: 'Rates per line: 1.9% and 2.3%; report in the shared folder' },
        draftId: 'milestone-ms_pilot',
      },
    ]);
  });

  it('offers no evidence form to whom may not send it, nor for a milestone under review', async () => {
    setupI18n('en');
    may = ['read_organisation'];
    component = mount(MilestonePage, {
      target: document.body,
      props: { params: { id: 'ms_pilot' } },
    });
    await settle();
    expect(document.querySelector('textarea[name=evidence]')).toBeNull();
    unmount(component);
    may = ['read_organisation', 'submit_milestone'];
    component = mount(MilestonePage, {
      target: document.body,
      props: { params: { id: 'ms_recall' } },
    });
    await settle();
    expect(document.querySelector('textarea[name=evidence]')).toBeNull();
    expect(document.querySelector('[data-testid=milestone-state]')?.textContent).toContain(
      'Sent for review',
    );
  });

  it('shows evidence the center refused with its text, to write again from or give up', async () => {
    setupI18n('en');
    const refused = plan.milestones[2];
    refused.outbox = {
      seq: 7,
      write: {
        kind: 'submit_milestone',
        milestone_id: 'ms_pilot',
        evidence: { text: 'Our first pilot report' },
      },
      refusal: {
        code: 'conflict',
        field: null,
        message:
          'the milestone is submitted; evidence is sent while it is planned or changes were asked for',
        reason: { code: 'milestone_closed_to_evidence', params: {} },
      },
      attempts: 1,
      created_at: '2026-12-05T10:00:00Z',
    };
    component = mount(MilestonePage, {
      target: document.body,
      props: { params: { id: 'ms_pilot' } },
    });
    await settle();
    const box = document.querySelector('[data-testid=refused-evidence]');
    expect(box?.textContent).toContain('Our first pilot report');
    expect(document.body.textContent).toContain(
      'evidence is sent while the milestone is planned or changes were asked for',
    );
    document.querySelector<HTMLButtonElement>('[data-testid=discard-evidence]')?.click();
    await settle();
    expect(discarded).toEqual([7]);
    refused.outbox = null;
  });
});
