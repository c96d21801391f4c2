import type { Application } from 'express';
import type { Clock } from '../clock.js';
import { type Deskbolt, startDeskbolt } from '../deskbolt.js';
import { fakeSlackConfig, fakeSlackSocketConfig, SIGNING_SECRET } from '../fake-slack/config.js';
import { SlackClientSim } from '../fake-slack/requests.js';
import { FakeSlack } from '../fake-slack/server.js';
import { socketModeTransport } from '../fake-slack/socket-mode.js';
import type { Log } from '../log.js';
import { consoleLog } from '../log.js';
import type { Store } from '../store/store.js';
import type { Workspace } from '../workspace/schema.js';
import { PersonActions } from './actions.js';
import { sandboxSameOriginOnly } from './exposure.js';
import { SANDBOX_MAILBOX_VARIABLE, SandboxMail, withSandboxMailbox } from './mail.js';
import { type AppSurfaces, readAppSurfaces } from './manifest.js';
import { type SandboxRoster, sandboxRoster } from './roster.js';

/**
 * The real app on a store, against the fake Slack, with the workspace's people in it and a way to
 * act as any of them: what the sandbox page and the terminal demo both run on.
 */
export interface SandboxDesk {
  fake: FakeSlack;
  deskbolt: Deskbolt;
  store: Store;
  roster: SandboxRoster;
  surfaces: AppSurfaces;
  /** What people do, sent to the app as Slack would send it. */
  act: PersonActions;
  slack: SlackClientSim;
  /** The support mailbox email requesters write to, and what the desk mailed them. */
  mail: SandboxMail;
  /** An empty desk: the database dropped, and the fake's messages, views and calls forgotten. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface SandboxDeskOptions {
  store: Store;
  workspace: Workspace;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** Run the app's jobs on their cron schedules (the default); the scripted morning turns them off. */
  schedule?: boolean;
  /** Slack reaches the app over Socket Mode instead of signed HTTP requests (the app connects to the fake). */
  socketMode?: boolean;
  clock?: Clock;
  log?: Log;
  /**
   * Routes of the sandbox page, on the app's own express server, given the desk once it exists.
   * What it returns is closed first on close: long-lived streams would hold the server open.
   */
  routes?: (http: Application, desk: () => SandboxDesk) => { close(): void };
}

export async function startSandboxDesk(options: SandboxDeskOptions): Promise<SandboxDesk> {
  const { store } = options;
  const mailbox = withSandboxMailbox(options.workspace);
  const workspace = mailbox.workspace;
  const mail = new SandboxMail(mailbox.address, mailbox.group);
  const roster = sandboxRoster(workspace);
  const surfaces = await readAppSurfaces();
  const fake = await FakeSlack.start();
  // The app's name as the manifest's bot user shows it, and the people of the workspace.
  fake.addUser({ id: fake.botUserId, name: 'deskbolt', realName: 'deskbolt', isBot: true });
  for (const person of roster.people)
    if (!person.email) fake.addUser({ id: person.id, name: person.handle, realName: person.name, title: person.title });
  // The channels as a team sets them up: the app invited to those of the workspace file, not to #general.
  for (const channel of roster.channels)
    fake.addChannel({ id: channel.id, name: channel.name, botIsMember: channel.appIsMember });

  let desk: SandboxDesk | undefined;
  const whenReady = () => {
    if (desk === undefined) throw new Error('the sandbox is still starting');
    return desk;
  };
  let page: { close(): void } | undefined;
  let deskbolt: Deskbolt;
  try {
    deskbolt = await startDeskbolt({
      config: options.socketMode
        ? fakeSlackSocketConfig(fake, { port: options.port })
        : fakeSlackConfig(fake, { port: options.port }),
      workspace,
      store,
      ...(options.clock ? { clock: options.clock } : {}),
      // The made-up mailbox is written to through the page, never read over IMAP: its unset variable is no problem.
      log: (line, error) => {
        if (mailbox.madeUp && line.includes(SANDBOX_MAILBOX_VARIABLE)) return;
        (options.log ?? consoleLog)(line, error);
      },
      mailTransport: mail.transport,
      ...(options.host ? { host: options.host } : {}),
      schedule: options.schedule ?? true,
      routes: (http: Application) => {
        http.use(sandboxSameOriginOnly(options.host ?? '127.0.0.1'));
        if (options.routes) page = options.routes(http, whenReady);
      },
    });
  } catch (error) {
    await fake.close();
    throw error;
  }
  const slack = new SlackClientSim({
    url: deskbolt.url,
    signingSecret: SIGNING_SECRET,
    fake,
    ...(options.socketMode ? { transport: socketModeTransport(fake.socketMode) } : {}),
  });
  mail.attach(deskbolt.desk, deskbolt.jobs.owner, () => deskbolt.settled());
  const act = new PersonActions({ fake, slack, roster, surfaces, settled: () => deskbolt.settled() });
  desk = {
    fake,
    deskbolt,
    store,
    roster,
    surfaces,
    act,
    slack,
    mail,
    async reset() {
      await deskbolt.settled();
      await store.dropEverything();
      fake.reset();
      mail.reset();
    },
    async close() {
      page?.close();
      await deskbolt.close();
      await fake.close();
    },
  };
  return desk;
}
