import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mount, unmount } from 'svelte';
import { settle, typeInto } from '../lib/testing';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { setupI18n } from '../i18n';
import type {
  CenterInfo,
  Draft,
  FieldProblem,
  JobRequest,
  JobView,
  Model,
  ModelPage,
} from '../lib/bindings';
import JobForm from './JobForm.svelte';

const info: CenterInfo = {
  pools: [
    {
      id: 'atlas-800t-a2',
      name: 'Atlas 800T A2',
      npu_kind: 'Ascend 910B',
      npus_per_node: 8,
      total_npus: 64,
      free_npus: 64,
      queued_jobs: 0,
    },
  ],
  quota: null,
  standing: null,
  fetched_at: null,
};

const qwen: Model = {
  ...{ id: 'qwen3-32b', name: 'Qwen3-32B', provider: 'Qwen', task: 'LLM', domain: 'Text' },
  ...{ industries: [], framework: 'mindspore', hardware: ['Atlas 800T A2'], parameters: 32e9 },
  ...{ license: 'Apache-2.0', versions: [], metrics: [], card: '', source_url: null },
  ...{ downloads: 0, stars: 0, updated_at: '2026-05-01T00:00:00Z' },
  recipes: [
    {
      ...{ name: 'LoRA fine-tuning', sequence_length: '4K', backend: 'MindSpeed-LLM' },
      ...{ nodes: 2, npus_per_node: 8, certified: true, recipe_url: null },
    },
  ],
};

/** Moves the window to `hash`, as the router will have seen it. */
async function openAt(hash: string): Promise<void> {
  if (window.location.hash === hash) return;
  await new Promise((resolve) => {
    window.addEventListener('hashchange', resolve, { once: true });
    window.location.hash = hash;
  });
}

const alerts = () =>
  [...document.querySelectorAll('[role=alert]')].map((a) => a.textContent?.trim());

describe('JobForm', () => {
  let component: ReturnType<typeof mount> | undefined;
  let drafts: Map<string, Draft>;
  let created: { request: JobRequest; draftId: string }[];
  let revised: { seq: number; localId: string; request: JobRequest }[];
  let job: JobView | null;
  let center: CenterInfo;

  beforeEach(async () => {
    setupI18n('en');
    await openAt('#/jobs/new');
    center = info;
    drafts = new Map();
    created = [];
    revised = [];
    job = null;
    mockIPC((command, args) => {
      const a = args as Record<string, unknown>;
      switch (command) {
        case 'center_info':
          return center;
        case 'get_draft':
          return drafts.get(a.id as string) ?? null;
        case 'save_draft':
          drafts.set((a.draft as Draft).id, a.draft as Draft);
          return null;
        case 'check_job_request': {
          const r = a.request as JobRequest;
          if (!r.dataset_uri)
            return {
              field: 'dataset_uri',
              reason: { code: 'dataset_address', params: { address: '', schemes: 'obs, s3' } },
              message: '"" is not a dataset address',
            } satisfies FieldProblem;
          if (r.nodes * r.npus_per_node * r.max_hours > 100)
            return {
              field: 'max_hours',
              reason: { code: 'over_quota', params: { needed: '160.0', left: '100.0' } },
              message: 'this job may use 160.0 NPU-hours',
            } satisfies FieldProblem;
          return null;
        }
        case 'create_job':
          created.push(a as { request: JobRequest; draftId: string });
          return 'local-1';
        case 'get_job':
          return job;
        case 'revise_job':
          revised.push(a as { seq: number; localId: string; request: JobRequest });
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

  it("shows the form only once the model's recommended cluster is filled in", async () => {
    await openAt('#/jobs/new?model=qwen3-32b');
    let answer: (detail: ModelPage) => void = () => {};
    const detail = new Promise<ModelPage>((resolve) => (answer = resolve));
    mockIPC((command) => {
      if (command === 'center_info') return info;
      if (command === 'get_draft') return null;
      if (command === 'catalog_model') return detail;
      if (command === 'save_draft') return null;
      if (command === 'check_job_request') return null;
      throw new Error(`unexpected command ${command}`);
    });
    component = mount(JobForm, { target: document.body });
    await settle();
    expect(document.querySelector('input[name=nodes]')).toBeNull();

    answer({ model: qwen, favourite: false, recipe: qwen.recipes[0] });
    await settle();
    expect(document.querySelector<HTMLInputElement>('input[name=nodes]')?.value).toBe('2');
    expect(document.querySelector<HTMLInputElement>('input[name=name]')?.value).toContain(
      'Qwen3-32B',
    );
  });

  it('shows a problem only once the user has been to the field, or tried to send', async () => {
    component = mount(JobForm, { target: document.body });
    await settle();
    expect(alerts()).toEqual([]);
    document.querySelector<HTMLFormElement>('form')?.requestSubmit();
    await settle();
    expect(alerts()).toEqual([
      '“” is not a dataset address; use one like obs://bucket/path (obs, s3)',
    ]);
    expect(document.activeElement?.getAttribute('name')).toBe('dataset');
    expect(created).toEqual([]);
  });

  it('catches an over-quota request on the cluster fields before sending', async () => {
    component = mount(JobForm, { target: document.body });
    await settle();
    typeInto('input[name=dataset]', 'obs://demo/data');
    typeInto('input[name=nodes]', '8');
    await settle();
    expect(document.querySelector('[data-field=max_hours][role=alert]')?.textContent).toBe(
      'this job may use 160.0 NPU-hours; your organisation has 100.0 left, credits included',
    );
    expect(document.querySelector<HTMLButtonElement>('button[type=submit]')?.disabled).toBe(true);
  });

  it("words a problem in the user's language from its code, not in the English sent beside it", async () => {
    setupI18n('zh-CN');
    component = mount(JobForm, { target: document.body });
    await settle();
    typeInto('input[name=dataset]', 'obs://demo/data');
    typeInto('input[name=nodes]', '8');
    await settle();
    expect(document.querySelector('[data-field=max_hours][role=alert]')?.textContent).toBe(
      '该任务最多可能使用 160.0 NPU·时；贵单位剩余 100.0 NPU·时（含算力券）',
    );
  });

  it('says whether compute credits pay for the request, and warns when they would not cover it', async () => {
    center = {
      ...info,
      quota: {
        ...{ npu_hours_total: 500, npu_hours_used: 400, npu_hours_reserved: 0 },
        ...{ npu_hours_remaining: 100, min_job_hours: 0.1, max_job_hours: 48 },
        credit_npu_hours_left: 20,
      },
    };
    component = mount(JobForm, { target: document.body });
    await settle();
    const cost = () => document.querySelector('[data-testid=job-cost]');
    expect(cost()?.textContent?.trim()).toBe(
      'This request may use 16 NPU-hours, all from compute credits (20 left).',
    );
    expect(cost()?.classList.contains('warn')).toBe(false);
    typeInto('input[name=nodes]', '2');
    await settle();
    expect(cost()?.textContent?.trim()).toBe(
      "This request may use 32 NPU-hours: more than the 20 left in compute credits, so 12 would come from your organisation's quota (100 left).",
    );
    expect(cost()?.classList.contains('warn')).toBe(true);
  });

  it('keeps what was typed as a draft, restores it, and drops it once sent', async () => {
    component = mount(JobForm, { target: document.body });
    await settle();
    typeInto('input[name=name]', 'lora run');
    typeInto('input[name=dataset]', 'obs://demo/data');
    await settle();
    expect(drafts.get('job-new-custom')?.body).toMatchObject({
      name: 'lora run',
      dataset: 'obs://demo/data',
    });
    unmount(component);
    document.body.innerHTML = '';

    component = mount(JobForm, { target: document.body });
    await settle();
    expect(document.querySelector<HTMLInputElement>('input[name=name]')?.value).toBe('lora run');
    document.querySelector<HTMLFormElement>('form')?.requestSubmit();
    await settle();
    expect(created).toHaveLength(1);
    expect(created[0].draftId).toBe('job-new-custom');
    expect(created[0].request.dataset_uri).toBe('obs://demo/data');
  });

  it("brings a refused request back with the center's reason and sends the correction", async () => {
    const request: JobRequest = {
      ...{ name: 'big run', base_model: null, custom_image: 'registry/x:1' },
      ...{ dataset_uri: 'obs://demo/data', pool_id: 'atlas-800t-a2', nodes: 2, npus_per_node: 8 },
      ...{ max_hours: 1, hyperparameters: { lr: 0.1 }, priority: 'high', note: 'n' },
    };
    job = {
      job: {
        id: 'local-7',
        request,
        state: 'submitted',
        reason: null,
        reason_code: null,
        step: 0,
        total_steps: 0,
        npu_hours_used: 0,
        credits_used: [],
        unknown_since: null,
        estimated_start: null,
        submitted_by: '',
        timeline: [],
        artifacts: [],
        created_at: '',
        updated_at: '',
      },
      local: true,
      outbox: {
        seq: 4,
        write: { kind: 'create_job', local_id: 'local-7', request },
        refusal: {
          code: 'invalid_input',
          message: 'the pool has 1 node free',
          field: 'nodes',
          reason: null,
        },
        attempts: 1,
        created_at: '',
      },
      may_cancel: true,
    };
    await openAt('#/jobs/new?revise=local-7');
    component = mount(JobForm, { target: document.body });
    await settle();
    expect(document.querySelector<HTMLInputElement>('input[name=image]')?.value).toBe(
      'registry/x:1',
    );
    expect(alerts()).toEqual(["the pool has 1 node free (the center's words)"]);
    typeInto('input[name=nodes]', '1');
    await settle();
    expect(alerts()).toEqual([]);
    document.querySelector<HTMLFormElement>('form')?.requestSubmit();
    await settle();
    expect(revised).toHaveLength(1);
    expect(revised[0]).toMatchObject({ seq: 4, localId: 'local-7' });
    expect(revised[0].request).toMatchObject({ ...request, nodes: 1 });
    expect(drafts.size).toBe(0);
  });
});
