import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mount, unmount } from 'svelte';
import { settle } from '../lib/testing';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { setupI18n } from '../i18n';
import type { Job, JobView, LogPage } from '../lib/bindings';
import JobPage from './JobPage.svelte';

// jsdom has no canvas: the chart library draws nothing here (the end-to-end
// test sees the real chart).
vi.mock('uplot', () => ({
  default: class {
    setData(): void {}
    destroy(): void {}
  },
}));

const job: Job = {
  id: 'job_1',
  request: {
    name: 'qwen3 lora',
    base_model: { model_id: 'qwen3-32b', version: null },
    custom_image: null,
    dataset_uri: 'obs://demo/instructions',
    pool_id: 'atlas-800t-a2',
    nodes: 1,
    npus_per_node: 8,
    max_hours: 1,
    hyperparameters: {},
    priority: 'normal',
    note: '',
  },
  state: 'succeeded',
  reason: null,
  reason_code: null,
  step: 200,
  total_steps: 200,
  npu_hours_used: 0.1,
  credits_used: [{ credit_id: 'cr_1', npu_hours: 0.1 }],
  unknown_since: null,
  estimated_start: null,
  submitted_by: 'partner@demo.aicc',
  timeline: [],
  artifacts: [],
  created_at: '2026-11-27T09:00:00Z',
  updated_at: '2026-11-27T09:05:00Z',
};

describe('JobPage', () => {
  let component: ReturnType<typeof mount> | undefined;
  let logRequests: number[];
  let pages: LogPage[];
  let shown: Job;
  let mayCancel: boolean | null;
  let local: boolean;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    setupI18n('en');
    logRequests = [];
    shown = job;
    mayCancel = null;
    local = false;
    mockIPC((command, args) => {
      if (command === 'get_job')
        return { job: shown, local, outbox: null, may_cancel: mayCancel } satisfies JobView;
      if (command === 'job_metrics') return [];
      if (command === 'job_logs') {
        logRequests.push((args as { after: number }).after);
        return pages.shift() ?? { lines: [], next: 0, open: false };
      }
      throw new Error(`unexpected command ${command}`);
    });
  });

  afterEach(() => {
    if (component) unmount(component);
    component = undefined;
    clearMocks();
    vi.useRealTimers();
    document.body.innerHTML = '';
  });

  it('shows where the job will be while the computer reads it, then the job', async () => {
    let answer: (view: JobView) => void = () => {};
    mockIPC((command) => {
      if (command === 'get_job') return new Promise<JobView>((resolve) => (answer = resolve));
      if (command === 'job_metrics') return [];
      if (command === 'job_logs') return { lines: [], next: 0, open: false };
      throw new Error(`unexpected command ${command}`);
    });
    component = mount(JobPage, { target: document.body, props: { params: { id: 'job_1' } } });
    await settle();
    expect(document.querySelector('[data-testid=loading]')?.getAttribute('aria-busy')).toBe('true');
    answer({ job, local: false, outbox: null, may_cancel: null });
    await settle();
    expect(document.querySelector('[data-testid=loading]')).toBeNull();
    expect(document.querySelector('h2')?.textContent).toBe(job.request.name);
  });

  it("reads a finished job's whole log, page after page, then stops asking", async () => {
    const line = (seq: number) => ({ seq, at: job.updated_at, text: `step=${seq}` });
    pages = [
      { lines: [line(1), line(2)], next: 2, open: true },
      { lines: [line(3)], next: 3, open: false },
    ];
    component = mount(JobPage, { target: document.body, props: { params: { id: 'job_1' } } });
    await settle();
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(1500);
      await settle();
    }
    expect(document.querySelector('[data-testid=job-log]')?.textContent).toBe(
      'step=1\nstep=2\nstep=3\n',
    );
    expect(logRequests).toEqual([0, 2, 3]);
  });

  it('asks the center nothing about a job only on this computer', async () => {
    pages = [];
    local = true;
    shown = { ...job, id: 'local-3', state: 'submitted', step: 0 };
    component = mount(JobPage, { target: document.body, props: { params: { id: 'local-3' } } });
    await settle();
    vi.advanceTimersByTime(5000);
    await settle();
    expect(logRequests).toEqual([]);
  });

  it("says since when the cluster's state is unknown, and why a queued job waits", async () => {
    pages = [];
    shown = {
      ...job,
      state: 'queued',
      reason: 'waiting for NPUs on the cluster (Slurm: Resources)',
      reason_code: { code: 'cluster_resources', params: { slurm: 'Resources' } },
      step: 0,
      unknown_since: '2026-11-27T09:03:00Z',
    };
    component = mount(JobPage, { target: document.body, props: { params: { id: 'job_1' } } });
    await settle();
    const unknown = document.querySelector('[data-testid=state-unknown]')?.textContent ?? '';
    expect(unknown).toContain('has not been able to reach its cluster since');
    expect(unknown).not.toContain('{time}');
    expect(document.querySelector('[data-testid=queue-reason]')?.textContent?.trim()).toBe(
      'Waiting: waiting for NPUs on the cluster (Slurm: Resources)',
    );
    unmount(component);

    // In Chinese, the center's reason is worded from its code; a code this
    // app does not know shows the center's words, marked as such.
    setupI18n('zh-CN');
    component = mount(JobPage, { target: document.body, props: { params: { id: 'job_1' } } });
    await settle();
    const worded = document.querySelector('[data-testid=queue-reason]')?.textContent ?? '';
    expect(worded).toContain('正在等待集群上的 NPU（Slurm：Resources）');
    expect(worded).not.toContain('waiting for NPUs');
    unmount(component);
    shown = {
      ...shown,
      reason: 'held for maintenance',
      reason_code: { code: 'a_code_from_a_newer_center', params: {} },
    };
    component = mount(JobPage, { target: document.body, props: { params: { id: 'job_1' } } });
    await settle();
    expect(document.querySelector('[data-testid=queue-reason]')?.textContent).toContain(
      'held for maintenance（计算中心原文）',
    );
  });

  it("explains, in the user's language, a cancellation the member's role may not make", async () => {
    setupI18n('zh-CN');
    pages = [];
    const refusal = {
      code: 'forbidden',
      message:
        "a partner member may not cancel another member's job; ask a partner admin of your organisation",
      field: null,
      reason: null,
    };
    shown = { ...job, state: 'running', step: 10 };
    mockIPC((command) => {
      if (command === 'get_job')
        return {
          job: shown,
          outbox: {
            seq: 4,
            write: { kind: 'cancel_job', job_id: 'job_1' },
            refusal,
            attempts: 1,
            created_at: '2026-11-27T09:04:00Z',
          },
          may_cancel: null,
          local: false,
        } satisfies JobView;
      if (command === 'job_metrics') return [];
      if (command === 'job_logs') return { lines: [], next: 0, open: false };
      throw new Error(`unexpected command ${command}`);
    });
    component = mount(JobPage, { target: document.body, props: { params: { id: 'job_1' } } });
    await settle();
    const shownRefusal = document.querySelector('.refusal')?.textContent ?? '';
    expect(shownRefusal).toContain('你在本组织中的角色不允许此操作');
    expect(shownRefusal).toContain('计算中心原文');
    expect(shownRefusal).toContain("may not cancel another member's job");
  });

  it('shows the start the center estimated beside the start that happened', async () => {
    pages = [];
    shown = {
      ...job,
      state: 'queued',
      estimated_start: { now: false, p50: '2026-11-27T10:00:00Z', p90: '2026-11-27T11:30:00Z' },
    };
    component = mount(JobPage, { target: document.body, props: { params: { id: 'job_1' } } });
    await settle();
    const estimate = () => document.querySelector('[data-testid=estimated-start]')?.textContent;
    expect(estimate()).toMatch(/^\s*Estimated to start between .+ and .+\.\s*$/);
    unmount(component);
    shown = {
      ...shown,
      state: 'running',
      timeline: [{ state: 'running', at: '2026-11-27T10:20:00Z', reason: null, reason_code: null }],
    };
    component = mount(JobPage, { target: document.body, props: { params: { id: 'job_1' } } });
    await settle();
    expect(estimate()).toMatch(/; started .+\./);
  });

  it('says how many NPU-hours the job used and how many of them credits paid', async () => {
    pages = [];
    shown = { ...job, npu_hours_used: 2.5, credits_used: [{ credit_id: 'cr_1', npu_hours: 2 }] };
    component = mount(JobPage, { target: document.body, props: { params: { id: 'job_1' } } });
    await settle();
    const used = () => document.querySelector('[data-testid=npu-hours-used]')?.textContent;
    expect(used()?.replace(/\s+/g, ' ').trim()).toBe(
      'Used 2.5 NPU-hours · 2 of them paid by compute credits',
    );
    unmount(component);
    shown = { ...job, npu_hours_used: 2.5, credits_used: [] };
    component = mount(JobPage, { target: document.body, props: { params: { id: 'job_1' } } });
    await settle();
    expect(used()?.trim()).toBe('Used 2.5 NPU-hours');
  });

  it('shows no unknown state once the job has ended', async () => {
    pages = [];
    shown = { ...job, unknown_since: '2026-11-27T09:03:00Z' };
    component = mount(JobPage, { target: document.body, props: { params: { id: 'job_1' } } });
    await settle();
    expect(document.querySelector('[data-testid=job-page]')).not.toBeNull();
    expect(document.querySelector('[data-testid=state-unknown]')).toBeNull();
  });

  it('offers no cancel to whom the role does not let cancel the job, and says who can', async () => {
    pages = [];
    shown = { ...job, state: 'running', step: 10 };
    mayCancel = false;
    component = mount(JobPage, { target: document.body, props: { params: { id: 'job_1' } } });
    await settle();
    expect(document.querySelector('[data-testid=cancel-job]')).toBeNull();
    expect(document.querySelector('[data-testid=cancel-not-yours]')?.textContent).toContain(
      'partner admin',
    );
    unmount(component);
    mayCancel = true;
    component = mount(JobPage, { target: document.body, props: { params: { id: 'job_1' } } });
    await settle();
    expect(document.querySelector('[data-testid=cancel-job]')).not.toBeNull();
  });

  it('offers a cancel in every state the center takes one in, never for a job only here', async () => {
    pages = [];
    mayCancel = true;
    const offered = async (state: Job['state'], onlyHere = false) => {
      shown = { ...job, state };
      local = onlyHere;
      component = mount(JobPage, { target: document.body, props: { params: { id: 'job_1' } } });
      await settle();
      const cancel = document.querySelector('[data-testid=cancel-job]') !== null;
      unmount(component);
      component = undefined;
      return cancel;
    };
    expect(await offered('submitted')).toBe(true);
    expect(await offered('queued')).toBe(true);
    expect(await offered('running')).toBe(true);
    expect(await offered('cancelling')).toBe(false);
    expect(await offered('succeeded')).toBe(false);
    expect(await offered('submitted', true)).toBe(false);
  });

  it('colours the state by how the job stands or ended, and names the state it is in', async () => {
    pages = [];
    for (const [state, tone] of [
      ['queued', 'active'],
      ['succeeded', 'succeeded'],
      ['cancelled', 'failed'],
    ] as const) {
      shown = { ...job, state };
      component = mount(JobPage, { target: document.body, props: { params: { id: 'job_1' } } });
      await settle();
      const badge = document.querySelector<HTMLElement>(
        '[data-testid=job-page] [data-testid=job-state]',
      );
      expect([badge?.dataset.state, badge?.dataset.tone]).toEqual([state, tone]);
      unmount(component);
      component = undefined;
    }
  });
});
