import cron from 'node-cron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeskbolt } from '../src/deskbolt.js';
import { FakeSlack } from '../src/fake-slack/server.js';
import { deskJobs } from '../src/jobs/desk-jobs.js';
import type { Store } from '../src/store/store.js';
import { openTestStore } from './support/database.js';
import { fakeSlackConfig } from './support/harness.js';
import { testWorkspace } from './support/workspace.js';

/** The schedules are wired and unwired; no test waits for a real tick. */
describe('job schedules', () => {
  let store: Store;
  let fake: FakeSlack;
  beforeAll(async () => {
    store = await openTestStore('schedules');
    fake = await FakeSlack.start();
  });
  afterAll(async () => {
    await store.close();
    await fake.close();
  });

  const ours = () =>
    [...cron.getTasks().values()].map((task) => task.name ?? '').filter((name) => name.startsWith('deskbolt:'));

  it('a replica schedules every job in the desk time zone and stops them on close', async () => {
    const before = ours().length;
    const deskbolt = await startDeskbolt({
      config: fakeSlackConfig(fake, { timeZone: 'Europe/Berlin' }),
      workspace: testWorkspace(),
      store,
      log: () => {},
    });
    const names = ours().slice(before);
    expect(names.map((name) => name.split(':')[1]).sort()).toEqual(deskJobs.map((job) => job.name).sort());
    expect(names.every((name) => name.endsWith(`:${deskbolt.jobs.owner}`))).toBe(true);
    await deskbolt.close();
    expect(ours()).toHaveLength(before);
  });

  it('schedule: false schedules nothing', async () => {
    const before = ours().length;
    const deskbolt = await startDeskbolt({
      config: fakeSlackConfig(fake),
      workspace: testWorkspace(),
      store,
      log: () => {},
      schedule: false,
    });
    expect(ours()).toHaveLength(before);
    await deskbolt.close();
  });

  it('every job has a valid cron schedule and a unique name (its lease id)', () => {
    for (const job of deskJobs) expect(cron.validate(job.schedule), job.name).toBe(true);
    expect(new Set(deskJobs.map((job) => job.name)).size).toBe(deskJobs.length);
  });
});
