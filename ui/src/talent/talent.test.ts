import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mount, unmount } from 'svelte';
import { settle, typeInto } from '../lib/testing';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { setupI18n } from '../i18n';
import type {
  CenterInfo,
  Course,
  CourseQuery,
  CourseSession,
  CourseView,
  Enrolled,
  FacetCounts,
  Member,
  Skills,
} from '../lib/bindings';
import TalentScreen from './TalentScreen.svelte';
import CoursePage from './CoursePage.svelte';
import SkillsScreen from './SkillsScreen.svelte';
import { fromSearch, nextSession, toSearch } from './query';
import { FACETS_AFTER_MS } from '../lib/timing';

function session(
  id: string,
  startsAt: string,
  enrolled: Enrolled[] = [],
  seats = 1,
): CourseSession {
  return {
    id,
    starts_at: startsAt,
    ends_at: startsAt.replace('T01', 'T09'),
    place: 'Demo AI Computing Center, Lab B',
    link: null,
    seats,
    seats_taken: 1,
    waitlisted: enrolled.filter((e) => e.waitlist_position !== null).length,
    enrolled,
  };
}

function course(id: string, title: string, sessions: CourseSession[]): Course {
  return {
    id,
    title,
    summary: 'Write, tile and debug custom operators in Ascend C.',
    level: 'advanced',
    language: 'en',
    duration_hours: 16,
    topics: ['Ascend C', 'CANN'],
    prerequisites: ['C++'],
    sessions,
  };
}

const waiting: Enrolled = {
  email: 'engineer@demo.aicc',
  name: 'Zhang Wei',
  you: true,
  enrolled_at: '2026-12-06T08:00:00Z',
  enrolled_by: null,
  waitlist_position: 1,
};

const ascendC = course('crs_1', 'Ascend C operator development', [
  session('ses_past', '2026-01-05T01:00:00Z'),
  session('ses_lab', '2030-01-05T01:00:00Z', [waiting]),
]);
const finetune = course('crs_2', 'MindSpeed-LLM 大模型微调实战', [
  session('ses_ft', '2030-02-01T01:00:00Z', [], 20),
]);

const members: Member[] = [
  { id: 'usr_1', email: 'partner@demo.aicc', name: 'Li Na', role: 'partner_admin', active: true },
  {
    id: 'usr_2',
    email: 'engineer@demo.aicc',
    name: 'Zhang Wei',
    role: 'partner_member',
    active: true,
  },
  { id: 'usr_3', email: 'gone@demo.aicc', name: 'Qian Yu', role: 'partner_member', active: false },
];

function facets(): FacetCounts[] {
  return [
    { facet: 'level', values: [{ value: 'advanced', count: 2 }] },
    {
      facet: 'language',
      values: [
        { value: 'en', count: 1 },
        { value: 'zh-CN', count: 1 },
      ],
    },
    { facet: 'topic', values: [{ value: 'Ascend C', count: 1 }] },
  ];
}

const skills: Skills = {
  holders: [
    {
      email: 'partner@demo.aicc',
      name: 'Li Na',
      organisation: 'Demo Robotics',
      certifications: [
        {
          certification: {
            id: 'AICC-ENG-2024-000003',
            name: 'MindSpore Model Developer',
            level: 'professional',
            holder: { email: 'partner@demo.aicc', name: 'Li Na', organisation: 'Demo Robotics' },
            issued_on: '2024-01-10',
            expires_on: '2027-01-10',
          },
          standing: 'expires_soon',
        },
      ],
    },
  ],
  expiring_soon: 1,
  synced_at: '2026-12-06T08:00:00Z',
};

describe('talent', () => {
  let component: ReturnType<typeof mount> | undefined;
  let queries: CourseQuery[];
  let enrolments: unknown[];
  let role: 'partner_admin' | 'partner_member' | 'center_reviewer';

  beforeEach(() => {
    queries = [];
    enrolments = [];
    role = 'partner_admin';
    window.location.hash = '#/courses';
    mockIPC((command, args) => {
      const a = args as Record<string, unknown>;
      switch (command) {
        case 'search_courses': {
          const query = a.query as CourseQuery;
          queries.push(query);
          const items = query.text === '微调' ? [finetune] : [ascendC, finetune];
          return { total: items.length, items };
        }
        case 'course_facets':
          return facets();
        case 'get_course': {
          const found = [ascendC, finetune].find(
            (c) => c.id === a.id || c.sessions.some((s) => s.id === a.id),
          );
          if (!found) return null;
          return {
            course: { ...found, sessions: [] },
            sessions: found.sessions.map((s) => ({
              session: s,
              begun: new Date(s.starts_at).getTime() < Date.now(),
              outbox: [],
            })),
          } satisfies CourseView;
        }
        case 'enrol_in_session':
          enrolments.push({ session: a.sessionId, email: a.email, enrolling: a.enrolling });
          return null;
        case 'list_members':
          return members;
        case 'skills':
          return skills;
        case 'center_info':
          return {
            pools: [],
            quota: null,
            fetched_at: null,
            standing: {
              account: {
                email: role === 'partner_admin' ? 'partner@demo.aicc' : 'engineer@demo.aicc',
                name: 'Li Na',
                organisation: 'Demo Robotics',
                role,
              },
              may:
                role === 'partner_admin'
                  ? [
                      'read_courses',
                      'enrol_in_courses',
                      'enrol_members',
                      'read_organisation_skills',
                    ]
                  : role === 'center_reviewer'
                    ? ['read_courses', 'read_every_certification']
                    : ['read_courses', 'enrol_in_courses', 'read_certifications'],
            },
          } satisfies CenterInfo;
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

  it('keeps a search in the address and finds the next session', () => {
    const query = fromSearch('q=Ascend&level=advanced&language=zh-CN&topic=CANN&level2=x');
    expect(query.text).toBe('Ascend');
    expect(query.level).toBe('advanced');
    expect(fromSearch(toSearch(query))).toEqual(query);
    expect(fromSearch('level=expert').level).toBeNull();
    expect(nextSession(ascendC, new Date('2026-12-06T00:00:00Z'))?.id).toBe('ses_lab');
    expect(nextSession(ascendC, new Date('2031-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('searches the courses as the user types, in both languages', async () => {
    setupI18n('en');
    component = mount(TalentScreen, { target: document.body });
    await settle();
    await new Promise((resolve) => setTimeout(resolve, FACETS_AFTER_MS + 20));
    await settle();
    const rows = () => [...document.querySelectorAll('[data-testid=course-results] > li')];
    expect(rows().map((r) => r.getAttribute('data-course'))).toEqual(['crs_1', 'crs_2']);
    expect(rows()[0].textContent).toContain('Waitlist no. 1');
    expect(rows()[0].textContent).toContain('Advanced');
    expect(document.querySelector('[data-facet=language][data-value=zh-CN]')?.textContent).toBe(
      'Chinese1',
    );
    typeInto('input[name=course-search]', '微调');
    await settle();
    expect(queries.at(-1)?.text).toBe('微调');
    expect(rows().map((r) => r.getAttribute('data-course'))).toEqual(['crs_2']);
    unmount(component);

    await new Promise((resolve) => {
      window.addEventListener('hashchange', resolve, { once: true });
      window.location.hash = '#/courses';
    });
    setupI18n('zh-CN');
    component = mount(TalentScreen, { target: document.body });
    await settle();
    expect(document.body.textContent).toContain('候补第 1 位');
    expect(document.body.textContent).toContain('高级');
  });

  it('enrols the user, a member for a partner admin, and closes a session begun', async () => {
    // A notification's click: the session it is about, in view (jsdom lays
    // nothing out, so scrolling is only seen asked for).
    const scrolled = vi.fn();
    Element.prototype.scrollIntoView = scrolled;
    setupI18n('en');
    component = mount(CoursePage, { target: document.body, props: { params: { id: 'ses_lab' } } });
    await settle();
    const past = document.querySelector('[data-session=ses_past]');
    expect(past?.textContent).toContain('Enrolment closed');
    const lab = document.querySelector('[data-session=ses_lab]');
    expect(lab?.classList.contains('focused')).toBe(true);
    expect(scrolled).toHaveBeenCalled();
    expect(lab?.textContent).toContain('Waitlist no. 1');
    lab?.querySelector<HTMLButtonElement>('[data-testid=session-cancel]')?.click();
    await settle();
    expect(enrolments).toEqual([{ session: 'ses_lab', email: null, enrolling: false }]);
    // Only active members other than the admin are offered.
    const options = [...(lab?.querySelectorAll('select[name=member] option') ?? [])].map(
      (o) => (o as HTMLOptionElement).value,
    );
    expect(options).toEqual(['', 'engineer@demo.aicc']);
    const select = lab?.querySelector<HTMLSelectElement>('select[name=member]');
    if (select) {
      select.value = 'engineer@demo.aicc';
      select.dispatchEvent(new Event('change'));
    }
    await settle();
    lab?.querySelector<HTMLFormElement>('form.for-member')?.requestSubmit();
    await settle();
    expect(enrolments.at(-1)).toEqual({
      session: 'ses_lab',
      email: 'engineer@demo.aicc',
      enrolling: true,
    });
  });

  it('offers a member only their own enrolment', async () => {
    role = 'partner_member';
    setupI18n('zh-CN');
    component = mount(CoursePage, { target: document.body, props: { params: { id: 'crs_2' } } });
    await settle();
    const ft = document.querySelector('[data-session=ses_ft]');
    expect(ft?.querySelector('form.for-member')).toBeNull();
    ft?.querySelector<HTMLButtonElement>('[data-testid=session-enrol]')?.click();
    await settle();
    expect(enrolments).toEqual([{ session: 'ses_ft', email: null, enrolling: true }]);
    expect(document.body.textContent).toContain('先修要求');
  });

  it('shows the organisation what expires soon', async () => {
    setupI18n('en');
    component = mount(SkillsScreen, { target: document.body });
    await settle();
    expect(document.querySelector('h2')?.textContent).toContain('Skills at Demo Robotics');
    expect(document.querySelector('[data-testid=skills-summary]')?.textContent).toContain(
      '1 expire within 90 days',
    );
    const row = document.querySelector('[data-certification=AICC-ENG-2024-000003]');
    expect(row?.getAttribute('data-standing')).toBe('expires_soon');
    expect(row?.textContent).toContain('Expires soon');
  });

  it("shows the center's staff whose engineer each is", async () => {
    role = 'center_reviewer';
    setupI18n('zh-CN');
    component = mount(SkillsScreen, { target: document.body });
    await settle();
    expect(document.querySelector('h2')?.textContent).toContain('合作伙伴工程师认证');
    expect(document.querySelector('[data-testid=skills-table] thead')?.textContent).toContain(
      '单位',
    );
    expect(document.querySelector('[data-testid=skills-table] tbody')?.textContent).toContain(
      'Demo Robotics',
    );
  });
});
