import { afterEach, describe, expect, it } from 'vitest';
import { mount, unmount } from 'svelte';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { settle } from '../lib/testing';
import { setupI18n } from '../i18n';
import type { JobState, JobView } from '../lib/bindings';
import JobAnnouncer from './JobAnnouncer.svelte';
import { sync } from './reports.svelte';

describe('job transitions, told to screen readers', () => {
  let component: ReturnType<typeof mount> | undefined;

  afterEach(() => {
    if (component) unmount(component);
    clearMocks();
    document.body.innerHTML = '';
  });

  it("announces a job's new state politely, in the user's language, not what the first look finds", async () => {
    setupI18n('zh-CN');
    let state: JobState = 'queued';
    mockIPC((command) => {
      if (command === 'list_jobs')
        return [{ job: { id: 'job_1', state, request: { name: 'ResNet-50 defects' } } } as JobView];
      throw new Error(`unexpected command ${command}`);
    });
    component = mount(JobAnnouncer, { target: document.body });
    await settle();
    const region = document.querySelector('[data-testid=job-announcer]');
    expect(region?.getAttribute('aria-live')).toBe('polite');
    expect(region?.textContent?.trim()).toBe('');

    state = 'running';
    sync.report = { ...sync.report, outbox_pending: sync.report.outbox_pending + 1 };
    await settle();
    expect(region?.textContent?.trim()).toBe('ResNet-50 defects：运行中');
  });
});
