import type { Config } from '../../src/config.js';
import { type Deskbolt, startDeskbolt } from '../../src/deskbolt.js';
import { fakeSlackConfig, fakeSlackSocketConfig, SIGNING_SECRET } from '../../src/fake-slack/config.js';
import { SlackClientSim } from '../../src/fake-slack/requests.js';
import { FakeSlack } from '../../src/fake-slack/server.js';
import { socketModeTransport } from '../../src/fake-slack/socket-mode.js';
import type { Log } from '../../src/log.js';
import type { Store } from '../../src/store/store.js';
import type { Workspace } from '../../src/workspace/schema.js';
import { TestClock } from './clock.js';
import { openTestStore } from './database.js';
import { testWorkspace, workspaceChannels } from './workspace.js';

export { fakeSlackConfig, SIGNING_SECRET };

export interface TestDesk {
  deskbolt: Deskbolt;
  store: Store;
  fake: FakeSlack;
  slack: SlackClientSim;
  clock: TestClock;
  /** Waits until every listener started by the requests so far has finished its work after the ack. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export interface TestDeskOptions {
  workspace?: Workspace;
  clock?: TestClock;
  /** Share a store (two replicas on one database); the caller closes it. */
  store?: Store;
  fake?: FakeSlack;
  config?: Partial<Config>;
  /** Faults the app logs; tests may assert on them. */
  logs?: string[];
  /** Where the app logs instead of `logs` (a structured log a test reads). */
  log?: Log;
  /** How Slack reaches the app: signed HTTP POSTs (the default) or Socket Mode envelopes. */
  mode?: SlackMode;
  /** False: the workspace's channels are left as the fake has them (a test of a forgotten invite). */
  inviteBot?: boolean;
  /** Run after every settled(): the read-model drift check of the Home's tests (read-models.ts). */
  afterSettled?: (store: Store) => Promise<void>;
  /** The workspace file the desk reloads (watched when `watch`); `workspace` should be what it held at start. */
  workspaceFile?: { path: string; watch?: boolean; debounceMs?: number };
}

export type SlackMode = 'http' | 'socket';

/**
 * Slack waits three seconds for an ack; a test waits for nothing, so a busy machine must not turn a
 * slow ack into a failure. Tests that need Slack to give up say so (socketMode.expireAckWindows()).
 */
const TEST_ACK_WINDOW_MS = 20_000;

/**
 * A fake Slack for tests that share one between replicas. The bot is invited to the test workspace's
 * channels, as README's set-up says; a test of a forgotten invite removes it (fake.removeBot).
 */
export async function startTestFake(): Promise<FakeSlack> {
  const fake = await FakeSlack.start({ socketMode: { ackWindowMs: TEST_ACK_WINDOW_MS } });
  fake.inviteBot(...workspaceChannels(testWorkspace()));
  return fake;
}

/** The real app on a real database, talking to a fake Slack, driven by signed requests. */
export async function startTestDesk(options: TestDeskOptions = {}): Promise<TestDesk> {
  const fake = options.fake ?? (await startTestFake());
  const workspace = options.workspace ?? testWorkspace();
  // Set up as README says: the bot is in every channel of the workspace it starts with.
  if (options.inviteBot !== false) fake.inviteBot(...workspaceChannels(workspace));
  const socket = options.mode === 'socket';
  const store = options.store ?? (await openTestStore());
  const clock = options.clock ?? new TestClock();
  const logs = options.logs ?? [];
  const deskbolt = await startDeskbolt({
    config: socket ? fakeSlackSocketConfig(fake, options.config) : fakeSlackConfig(fake, options.config),
    workspace,
    store,
    clock: clock.now,
    log: options.log ?? ((line) => logs.push(line)),
    // Tests run jobs themselves (deskbolt.jobs.run) with the TestClock; no test waits for a cron tick.
    schedule: false,
    sleep: clock.sleep,
    ...(options.workspaceFile
      ? {
          workspaceFile: options.workspaceFile.path,
          watchWorkspace: options.workspaceFile.watch ?? false,
          workspaceDebounceMs: options.workspaceFile.debounceMs,
        }
      : {}),
  });
  // A test runs a job as a cron tick would, then looks at what people were told: the run settles first.
  const runJob = deskbolt.jobs.run.bind(deskbolt.jobs);
  deskbolt.jobs = {
    owner: deskbolt.jobs.owner,
    async run(job) {
      const run = await runJob(job);
      await deskbolt.settled();
      return run;
    },
  };
  const slack = new SlackClientSim({
    url: deskbolt.url,
    signingSecret: SIGNING_SECRET,
    fake,
    httpAckWindowMs: TEST_ACK_WINDOW_MS,
    ...(socket ? { transport: socketModeTransport(fake.socketMode) } : {}),
  });
  return {
    deskbolt,
    store,
    fake,
    slack,
    clock,
    settled: async () => {
      await deskbolt.settled();
      await options.afterSettled?.(store);
    },
    async close() {
      await deskbolt.close();
      if (!options.store) await store.close();
      if (!options.fake) await fake.close();
    },
  };
}
