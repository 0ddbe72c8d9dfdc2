import { afterEach, describe, expect, it } from 'vitest';
import { mount, unmount } from 'svelte';
import { settle } from '../lib/testing';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { setupI18n } from '../i18n';
import type { CenterEstimate, CenterState, JobRequest, Pool } from '../lib/bindings';
import WhereToRun from './WhereToRun.svelte';

const request: JobRequest = {
  ...{ name: 'defects v2', base_model: { model_id: 'resnet50', version: null } },
  ...{ custom_image: null, dataset_uri: 'obs://demo/defects', pool_id: 'atlas-800t-a2' },
  ...{ nodes: 1, npus_per_node: 8, max_hours: 2, hyperparameters: {}, priority: 'normal' },
  note: '',
};

const state = (index: number, center: string, shown: boolean): CenterState => ({
  index,
  account: {
    ...{ url: `https://${center}/`, email: 'li.wei@robotics.example.cn' },
    network: { proxy: { mode: 'system' }, ca_bundle: null, accept_invalid_certificates: false },
  },
  ...{ center, name_en: center, name_zh: center, shown },
  ...{ status: { state: 'up_to_date', at: '2026-12-06T08:00:00Z' }, unread: 0 },
});

const pool: Pool = {
  ...{ id: 'atlas-800t-a2', name: 'Atlas 800T A2', npu_kind: 'Ascend 910B' },
  ...{ npus_per_node: 8, total_npus: 64, free_npus: 0, queued_jobs: 4 },
};

const answers: CenterEstimate[] = [
  {
    state: state(0, 'aicc.jinghai.example.cn', true),
    pool,
    estimate: {
      ...{ admissible: true, refusal: null, jobs_ahead: 4, source: 'replay' },
      start: { now: false, p50: '2026-12-06T12:00:00Z', p90: '2026-12-06T15:00:00Z' },
      estimated_at: '2026-12-06T08:00:00Z',
    },
    ...{ error: null, npu_hours_left: 1400, suggested: false },
  },
  {
    state: state(1, 'aicc.binhai.example.cn', false),
    pool: { ...pool, id: 'a2-east', free_npus: 64 },
    estimate: {
      ...{ admissible: true, refusal: null, jobs_ahead: 0, source: 'replay_and_cluster' },
      start: { now: true, p50: '2026-12-06T08:00:00Z', p90: '2026-12-06T08:00:00Z' },
      estimated_at: '2026-12-06T08:00:00Z',
    },
    ...{ error: null, npu_hours_left: 300, suggested: true },
  },
  {
    state: state(2, 'aicc.reserved.example.cn', false),
    pool,
    estimate: {
      ...{ admissible: true, refusal: null, jobs_ahead: 0, source: 'cluster', start: null },
      estimated_at: '2026-12-06T08:00:00Z',
    },
    ...{ error: null, npu_hours_left: 800, suggested: false },
  },
];

describe('WhereToRun', () => {
  let component: ReturnType<typeof mount> | undefined;
  afterEach(() => {
    if (component) unmount(component);
    component = undefined;
    clearMocks();
    document.body.innerHTML = '';
  });

  it('asks every center once the user pauses and offers to send where it starts soonest', async () => {
    setupI18n('en');
    const asked: JobRequest[] = [];
    mockIPC((command, args) => {
      if (command === 'estimate_everywhere') {
        asked.push((args as { request: JobRequest }).request);
        return answers;
      }
      throw new Error(`unexpected command ${command}`);
    });
    const chosen: CenterEstimate[] = [];
    component = mount(WhereToRun, {
      target: document.body,
      props: { request, onChoose: (a: CenterEstimate) => chosen.push(a) },
    });
    await settle();
    expect(asked).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 650));
    await settle();
    expect(asked).toHaveLength(1);
    const rows = [...document.querySelectorAll('tbody tr')];
    expect(rows).toHaveLength(3);
    expect(rows[0].querySelector('[data-testid=would-start]')?.textContent).toMatch(/^between /);
    expect(rows[1].querySelector('[data-testid=would-start]')?.textContent).toBe('at once');
    expect(rows[2].querySelector('[data-testid=would-start]')?.textContent).toBe(
      'The cluster cannot place it as things stand',
    );
    expect(rows[1].getAttribute('data-suggested')).toBe('true');
    // Which source gave each answer.
    expect(
      rows.map((r) => r.querySelector('[data-testid=estimate-source]')?.textContent?.trim()),
    ).toEqual([
      "by the center's queue, replayed",
      "by the center's queue and the cluster's plan",
      undefined,
    ]);
    expect(rows[0].querySelector('[data-testid=send-there]')).toBeNull();
    rows[1].querySelector<HTMLButtonElement>('[data-testid=send-there]')?.click();
    expect(chosen.map((a) => a.state.index)).toEqual([1]);
  });
});
