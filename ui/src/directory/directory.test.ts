import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mount, unmount } from 'svelte';
import { settle, typeInto } from '../lib/testing';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { setupI18n } from '../i18n';
import type {
  CenterInfo,
  CheckedCertificate,
  CooperationView,
  DirectoryPage,
  DirectoryQuery,
  FacetCounts,
  Solution,
} from '../lib/bindings';
import DirectoryScreen from './DirectoryScreen.svelte';
import SolutionPage from './SolutionPage.svelte';
import CooperationScreen from './CooperationScreen.svelte';
import { expired, fromSearch, toSearch } from './query';
import { FACETS_AFTER_MS } from '../lib/timing';

function solution(
  id: string,
  name: string,
  partner: string,
  expiresAt = '2029-03-01T00:00:00Z',
): Solution {
  return {
    id,
    name,
    description: 'Finds loose fasteners in line-scan images of track.',
    industries: ['rail inspection'],
    hardware: ['Atlas 300I Duo'],
    frameworks: ['MindSpore'],
    certificate_id: `AICC-ASC-2026-0000${id.slice(-2)}`,
    certified_at: '2026-03-01T00:00:00Z',
    expires_at: expiresAt,
    partner: {
      id: partner === 'Demo Robotics' ? '2' : '7',
      name: partner,
      kind: 'isv',
      contact: { name: 'Solutions desk', email: 'solutions@qinglan-rail.example.cn', website: '' },
    },
    updated_at: '2026-03-01T00:00:00Z',
  };
}

const rail = solution('app_01', 'RailEye 轨道巡检 3.0', 'Qinglan Rail Vision');
const old = solution('app_02', 'Cattle Health Watch', 'Heshan Agritech', '2025-01-01T00:00:00Z');
const ours = solution('app_03', 'Inspection Robot Navigation', 'Demo Robotics');

function page(items: Solution[]): DirectoryPage {
  return { found: { total: items.length, items }, synced_at: '2026-12-06T08:00:00Z' };
}

function facets(count: number): FacetCounts[] {
  return [
    { facet: 'industry', values: [{ value: 'rail inspection', count }] },
    { facet: 'hardware', values: [{ value: 'Atlas 300I Duo', count }] },
    { facet: 'framework', values: [] },
    { facet: 'kind', values: [{ value: 'isv', count }] },
  ];
}

const received: CooperationView = {
  cooperation: {
    id: 'coop_1',
    direction: 'received',
    solution_id: 'app_03',
    solution_name: 'Inspection Robot Navigation',
    from_partner: 'Other Vision',
    to_partner: 'Demo Robotics',
    asked_by: 'Sun Hao <lead@other.aicc>',
    message: 'We run 40 substations; shall we pilot together?',
    offers: ['deployment', 'channel'],
    state: 'asked',
    note: null,
    answered_by: null,
    created_at: '2026-12-05T08:00:00Z',
    updated_at: '2026-12-05T08:00:00Z',
  },
  outbox: null,
};

/** Lets the search answer, typing pause and the filters be counted. */
async function facetsCounted(): Promise<void> {
  await settle();
  await new Promise((resolve) => setTimeout(resolve, FACETS_AFTER_MS + 20));
  await settle();
}

describe('directory', () => {
  let component: ReturnType<typeof mount> | undefined;
  let queries: DirectoryQuery[];
  let asked: unknown[];
  let answered: unknown[];
  let edited: unknown[];
  let check: CheckedCertificate;

  beforeEach(() => {
    queries = [];
    asked = [];
    answered = [];
    edited = [];
    window.location.hash = '#/directory';
    check = {
      check: {
        certificate_id: 'AICC-ASC-2026-000001',
        status: 'valid',
        holder: 'Qinglan Rail Vision',
        solution_name: 'RailEye 轨道巡检 3.0',
        solution_id: 'app_01',
        certified_at: '2026-03-01T00:00:00Z',
        expires_at: '2029-03-01T00:00:00Z',
        revoked_at: null,
        revoked_reason: null,
      },
      from_copy_synced_at: '2026-12-06T08:00:00Z',
    };
    mockIPC((command, args) => {
      const a = args as Record<string, unknown>;
      switch (command) {
        case 'directory_search': {
          const query = a.query as DirectoryQuery;
          queries.push(query);
          return page(query.text === '巡检' ? [rail] : [old, rail]);
        }
        case 'directory_facets':
          return facets((a.query as DirectoryQuery).text === '巡检' ? 1 : 2);
        case 'directory_solution':
          return [rail, old, ours].find((s) => s.id === a.id) ?? null;
        case 'check_certificate':
          return check;
        case 'ask_cooperation':
          asked.push(a.ask);
          return 'local-coop';
        case 'list_cooperation':
          return [received];
        case 'edit_solution':
          edited.push({ id: a.id, profile: a.profile });
          return null;
        case 'set_directory_contact':
          edited.push({ contact: a.contact });
          return null;
        case 'get_application':
          return null;
        case 'answer_cooperation':
          answered.push({ id: a.id, answer: a.answer });
          return null;
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
              may: ['read_directory', 'ask_cooperation', 'answer_cooperation', 'edit_directory'],
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

  it('keeps a search in the address and reads it back', () => {
    const query = fromSearch('q=%E5%B7%A1%E6%A3%80&industry=rail+inspection&kind=isv&kind2=x');
    expect(query.text).toBe('巡检');
    expect(query.industry).toBe('rail inspection');
    expect(query.kind).toBe('isv');
    expect(fromSearch(toSearch(query))).toEqual(query);
    expect(fromSearch('kind=bogus').kind).toBeNull();
    expect(expired('2025-01-01T00:00:00Z', new Date('2026-12-06T00:00:00Z'))).toBe(true);
  });

  it('searches as the user types, marks expired certificates, in both languages', async () => {
    setupI18n('en');
    component = mount(DirectoryScreen, { target: document.body });
    await settle();
    const rows = () => [...document.querySelectorAll('[data-testid=directory-results] > li')];
    expect(rows().map((r) => r.getAttribute('data-solution'))).toEqual(['app_02', 'app_01']);
    expect(rows()[0].textContent).toContain('Certificate expired');
    expect(rows()[1].textContent).toContain('Certified');
    expect(document.body.textContent).toContain('Software vendor (ISV)');
    await facetsCounted();
    expect(
      document.querySelector('[data-facet=industry][data-value="rail inspection"]')?.textContent,
    ).toBe('rail inspection2');
    typeInto('input[name=directory-search]', '巡检');
    await settle();
    expect(queries.at(-1)?.text).toBe('巡检');
    expect(rows().map((r) => r.getAttribute('data-solution'))).toEqual(['app_01']);
    unmount(component);

    setupI18n('zh-CN');
    component = mount(DirectoryScreen, { target: document.body });
    await facetsCounted();
    expect(document.body.textContent).toContain('认证解决方案名录');
    expect(document.body.textContent).toContain('行业');
  });

  it('says when a certificate check comes from the copy on this computer', async () => {
    setupI18n('en');
    component = mount(DirectoryScreen, { target: document.body });
    await settle();
    typeInto('input[name=certificate]', 'aicc-asc-2026-000001');
    await settle();
    document.querySelector<HTMLFormElement>('[data-testid=certificate-check]')?.requestSubmit();
    await settle();
    const answer = document.querySelector('[data-testid=certificate-answer]');
    expect(answer?.getAttribute('data-status')).toBe('valid');
    expect(answer?.textContent).toContain('Held by Qinglan Rail Vision');
    expect(document.querySelector('[data-testid=certificate-from-copy]')?.textContent).toContain(
      'may be out of date',
    );
    check = { ...check, from_copy_synced_at: null };
    document.querySelector<HTMLFormElement>('[data-testid=certificate-check]')?.requestSubmit();
    await settle();
    expect(document.querySelector('[data-testid=certificate-from-copy]')).toBeNull();
  });

  it('asks another partner to cooperate, saying the center does not read it', async () => {
    setupI18n('en');
    component = mount(SolutionPage, { target: document.body, props: { params: { id: 'app_01' } } });
    await settle();
    expect(document.body.textContent).toContain('The center sees that a request was made');
    typeInto('textarea[name=message]', 'We have 40,000 labelled track images');
    document.querySelector<HTMLInputElement>('input[name=offer-data]')?.click();
    document.querySelector<HTMLInputElement>('input[name=offer-deployment]')?.click();
    await settle();
    document.querySelector<HTMLFormElement>('[data-testid=cooperation-form]')?.requestSubmit();
    await settle();
    expect(asked).toEqual([
      {
        solution_id: 'app_01',
        message: 'We have 40,000 labelled track images',
        offers: ['data', 'deployment'],
      },
    ]);
    expect(document.body.textContent).toContain('Your request is on its way');
    unmount(component);

    component = mount(SolutionPage, { target: document.body, props: { params: { id: 'app_03' } } });
    await settle();
    expect(document.querySelector('[data-testid=cooperation-form]')).toBeNull();
    expect(document.body.textContent).toContain("This is your organisation's solution");
  });

  it("lets a partner admin choose what the directory shows of the organisation's solution", async () => {
    setupI18n('en');
    component = mount(SolutionPage, { target: document.body, props: { params: { id: 'app_03' } } });
    await settle();
    document.querySelector<HTMLInputElement>('input[name=show_hardware]')?.click();
    await settle();
    document.querySelector<HTMLFormElement>('[data-testid=listing-form]')?.requestSubmit();
    await settle();
    expect(edited).toEqual([
      {
        id: 'app_03',
        profile: {
          listed: true,
          show_description: true,
          show_industries: true,
          show_hardware: false,
          show_frameworks: true,
        },
      },
      {
        contact: {
          name: 'Solutions desk',
          email: 'solutions@qinglan-rail.example.cn',
          website: '',
        },
      },
    ]);
    expect(document.body.textContent).toContain('Your changes are on their way');
  });

  it('answers a request received with a note', async () => {
    setupI18n('zh-CN');
    component = mount(CooperationScreen, { target: document.body, props: { params: {} } });
    await settle();
    const thread = document.querySelector('[data-cooperation=coop_1]');
    expect(thread?.textContent).toContain('来自 Other Vision');
    expect(thread?.textContent).toContain('场地与部署');
    typeInto('textarea[name=note]', '欢迎，下周二面谈');
    await settle();
    document.querySelector<HTMLButtonElement>('[data-testid=cooperation-accept]')?.click();
    await settle();
    expect(answered).toEqual([
      { id: 'coop_1', answer: { accept: true, note: '欢迎，下周二面谈' } },
    ]);
  });
});
