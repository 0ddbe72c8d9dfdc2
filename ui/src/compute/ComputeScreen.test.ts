import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mount, unmount } from 'svelte';
import { settle } from '../lib/testing';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { setupI18n } from '../i18n';
import type { CenterCompute, CenterState, Pool } from '../lib/bindings';
import ComputeScreen from './ComputeScreen.svelte';

// jsdom has no canvas: the chart library draws nothing here (the end-to-end
// test sees the real chart).
vi.mock('uplot', () => ({
  default: class {
    setData(): void {}
    destroy(): void {}
  },
}));

const state = (index: number, host: string, status: CenterState['status']): CenterState => ({
  index,
  account: {
    url: `https://${host}/`,
    email: 'li.wei@robotics.example.cn',
    network: { proxy: { mode: 'system' }, ca_bundle: null, accept_invalid_certificates: false },
  },
  center: host,
  // The first center names itself; the others are named by their address.
  ...(index === 0
    ? { name_en: 'Jinghai AI Computing Center', name_zh: '静海人工智能计算中心' }
    : { name_en: host, name_zh: host }),
  shown: index === 0,
  status,
  unread: 0,
});

const pool: Pool = {
  ...{ id: 'atlas-800t-a2', name: 'Atlas 800T A2', npu_kind: 'Ascend 910B' },
  ...{ npus_per_node: 8, total_npus: 64, free_npus: 24, queued_jobs: 3 },
};

const centers: CenterCompute[] = [
  {
    state: state(0, 'aicc.jinghai.example.cn', { state: 'up_to_date', at: '2026-12-06T08:00:00Z' }),
    info: {
      pools: [pool],
      quota: {
        ...{ npu_hours_total: 2000, npu_hours_used: 500, npu_hours_reserved: 100 },
        ...{ npu_hours_remaining: 1400, min_job_hours: 0.1, max_job_hours: 48 },
        credit_npu_hours_left: 256.5,
      },
      standing: null,
      fetched_at: '2026-12-06T08:00:00Z',
    },
    history: [
      {
        pool_id: 'atlas-800t-a2',
        samples: [
          { at: '2026-12-06T06:00:00Z', free_npus: 40, queued_jobs: 0 },
          { at: '2026-12-06T07:00:00Z', free_npus: 30, queued_jobs: 2 },
          { at: '2026-12-06T08:00:00Z', free_npus: 24, queued_jobs: 3 },
        ],
      },
    ],
  },
  {
    state: state(1, 'aicc.binhai.example.cn', {
      ...{ state: 'offline', since: '2026-12-06T07:30:00Z' },
      ...{ retry_at: '2026-12-06T08:31:00Z', reason: 'connection refused' },
    }),
    info: {
      pools: [{ ...pool, free_npus: 64, queued_jobs: 0 }],
      quota: null,
      standing: null,
      fetched_at: '2026-12-06T07:29:00Z',
    },
    history: [],
  },
  {
    state: state(2, 'aicc.old.example.cn', null),
    info: { pools: [], quota: null, standing: null, fetched_at: null },
    history: [],
  },
];

describe('ComputeScreen', () => {
  let component: ReturnType<typeof mount> | undefined;
  beforeEach(() => {
    mockIPC((command) => {
      if (command === 'compute') return centers;
      throw new Error(`unexpected command ${command}`);
    });
  });
  afterEach(() => {
    if (component) unmount(component);
    component = undefined;
    clearMocks();
    document.body.innerHTML = '';
  });

  const cards = () => [...document.querySelectorAll<HTMLElement>('[data-testid=center-compute]')];

  it('shows each center side by side: live, as of its last sync, or signed out', async () => {
    setupI18n('en');
    component = mount(ComputeScreen, { target: document.body });
    await settle();
    const [live, offline, signedOut] = cards();
    expect(live.querySelector('h3')?.textContent?.trim()).toBe('Jinghai AI Computing Center');
    expect(offline.querySelector('h3')?.textContent?.trim()).toBe('aicc.binhai.example.cn');
    expect(live.dataset.live).toBe('true');
    expect(live.querySelector('[data-testid=freshness]')?.textContent?.trim()).toBe('Live');
    expect(live.querySelector('[data-testid=free]')?.textContent?.trim()).toBe(
      '24 of 64 NPUs free',
    );
    expect(live.textContent).toContain('3 jobs queued');
    expect(
      live.querySelector('[data-testid=quota]')?.textContent?.replace(/\s+/g, ' ').trim(),
    ).toBe('1,400 of 2,000 NPU-hours left here · 256.5 NPU-hours of compute credits');
    expect(live.querySelector('[data-testid=pool-chart]')?.getAttribute('data-points')).toBe('3');
    expect(offline.dataset.live).toBe('false');
    expect(offline.querySelector('[data-testid=freshness]')?.textContent).toMatch(/^As of /);
    expect(offline.querySelector('[data-testid=pool-chart]')).toBeNull();
    expect(signedOut.querySelector('[data-testid=freshness]')?.textContent).toMatch(/Signed out/);
  });

  it('says a quota overdrawn by hours run after credits expired as overdrawn', async () => {
    const [live] = centers;
    const overdrawn = {
      ...live,
      info: {
        ...live.info,
        quota: live.info.quota && {
          ...live.info.quota,
          npu_hours_remaining: -29.5,
          credit_npu_hours_left: 0,
        },
      },
    };
    mockIPC((command) => {
      if (command === 'compute') return [overdrawn];
      throw new Error(`unexpected command ${command}`);
    });
    setupI18n('en');
    component = mount(ComputeScreen, { target: document.body });
    await settle();
    expect(cards()[0].querySelector('[data-testid=quota]')?.textContent?.trim()).toBe(
      '29.5 NPU-hours over the quota of 2,000: hours run after credits expired',
    );
  });

  it('speaks Chinese', async () => {
    setupI18n('zh-CN');
    component = mount(ComputeScreen, { target: document.body });
    await settle();
    const [live, offline] = cards();
    expect(live.querySelector('h3')?.textContent?.trim()).toBe('静海人工智能计算中心');
    expect(live.querySelector('[data-testid=freshness]')?.textContent?.trim()).toBe('实时');
    expect(live.querySelector('[data-testid=free]')?.textContent?.trim()).toBe(
      '空闲 24 / 64 个 NPU',
    );
    expect(offline.querySelector('[data-testid=freshness]')?.textContent).toMatch(/^截至 /);
  });
});
