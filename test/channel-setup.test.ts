import { afterEach, describe, expect, it } from 'vitest';
import { actionIds } from '../blocks/ids.js';
import type { FakeSlack } from '../src/fake-slack/server.js';
import { deskJob } from '../src/jobs/desk-jobs.js';
import { fileTicket } from './support/desk.js';
import { startTestDesk, startTestFake, type TestDesk } from './support/harness.js';
import { channels, people, testWorkspace, workspaceChannels } from './support/workspace.js';

// Day one of a real workspace: the team invited the bot to every channel of the workspace file but one.
const ADMIN = 'UADMIN009';
const base = testWorkspace();
const workspace = testWorkspace({
  agents: [...base.agents, { user: ADMIN, name: 'Ada', groups: [10], role: 'admin' }],
});

let desk: TestDesk;
let fake: FakeSlack;
let logs: string[];

afterEach(async () => {
  await desk.close();
  await fake.close();
});

/** The desk starts in a workspace where `arrange` left some channel unfit for posting. */
async function startWith(arrange: (fake: FakeSlack) => void): Promise<void> {
  fake = await startTestFake();
  fake.inviteBot(...workspaceChannels(workspace));
  arrange(fake);
  logs = [];
  desk = await startTestDesk({ fake, workspace, logs, inviteBot: false });
}

async function readyz(): Promise<{ status: number; body: any }> {
  const answer = await fetch(desk.deskbolt.url.replace('/slack/events', '/readyz'));
  return { status: answer.status, body: await answer.json() };
}

const postsIn = (channel: string) =>
  fake.okCalls('chat.postMessage').filter((call) => call.response.channel === channel);

async function adminHomeText(): Promise<string> {
  await desk.slack.event({ type: 'app_home_opened', user: ADMIN, tab: 'home' });
  await desk.settled();
  return JSON.stringify(fake.homeView(ADMIN)?.blocks ?? []);
}

describe('the channels of the workspace file, as Slack sees them', () => {
  it('says at start which channel to invite the bot to: in the log, on /readyz and on admins’ Home', async () => {
    await startWith((fake) => fake.removeBot(channels.billingAlerts));

    expect(logs.filter((line) => line.includes(channels.billingAlerts))).toEqual([
      `slack: deskbolt is not a member of #${channels.billingAlerts.toLowerCase()} (${channels.billingAlerts}), the alert channel of Billing: invite it there with /invite @deskbolt`,
    ]);
    const ready = await readyz();
    // Still ready: a forgotten invite is no reason to take the replica out of rotation.
    expect(ready.status).toBe(200);
    expect(ready.body.channels).toEqual({
      ready: false,
      problems: [
        {
          channel: channels.billingAlerts,
          problem: 'not_in_channel',
          advice: expect.stringContaining('/invite @deskbolt'),
        },
      ],
    });
    const home = await adminHomeText();
    expect(home).toContain(`<#${channels.billingAlerts}>: deskbolt is not a member`);
    expect(home).toContain(actionIds.checkChannels);
    // An agent who is not an admin sees no set-up trouble on their Home.
    await desk.slack.event({ type: 'app_home_opened', user: people.ana, tab: 'home' });
    await desk.settled();
    expect(JSON.stringify(fake.homeView(people.ana)?.blocks)).not.toContain(actionIds.checkChannels);
  });

  it('says plainly when every channel is ready', async () => {
    await startWith(() => undefined);
    expect(logs).toContain(
      'slack: all 3 channels of the workspace file are ready: deskbolt is a member of each, none archived',
    );
    expect((await readyz()).body.channels).toBeUndefined();
    expect(await adminHomeText()).not.toContain(actionIds.checkChannels);
  });

  it('marks a post refused with not_in_channel failed with the reason, tells the admins once, retries nothing for hours, and sends it when the bot is invited', async () => {
    await startWith((fake) => fake.removeBot(channels.billingAlerts));
    // A minute apart: what the channel refused goes out oldest first, and two filed in one instant have no order.
    const first = await fileTicket({ ...desk.deskbolt.desk, testClock: desk.clock });
    const second = await fileTicket({ ...desk.deskbolt.desk, testClock: desk.clock });
    await desk.settled();

    for (const ticket of [first, second]) {
      const live = (await desk.store.deliveries.ofTicket(ticket.number)).find(
        (delivery) => delivery.id === `live:${ticket.number}`,
      );
      expect(live).toMatchObject({
        state: 'failed',
        lastError: `not_in_channel in ${channels.billingAlerts}`,
        blockedChannel: channels.billingAlerts,
      });
    }
    const told = fake.dmsTo(ADMIN);
    expect(told).toHaveLength(1);
    expect(told[0]?.args.text).toContain(`<#${channels.billingAlerts}>`);
    expect(told[0]?.args.text).toContain('not_in_channel');

    // The delivery queue does not knock on that door every few minutes for twelve hours.
    const refusedBefore = fake
      .calls('chat.postMessage')
      .filter((call) => call.args.channel === channels.billingAlerts).length;
    for (let hour = 0; hour < 13; hour++) {
      desk.clock.advance(60 * 60_000);
      await desk.deskbolt.jobs.run(deskJob('delivery-retries'));
    }
    expect(fake.calls('chat.postMessage').filter((call) => call.args.channel === channels.billingAlerts)).toHaveLength(
      refusedBefore,
    );
    expect(fake.dmsTo(ADMIN)).toHaveLength(1);

    // Someone types /invite @deskbolt: Slack tells the app, which checks the channel and sends what waited.
    fake.inviteBot(channels.billingAlerts);
    await desk.slack.event({
      type: 'member_joined_channel',
      user: fake.botUserId,
      channel: channels.billingAlerts,
      channel_type: 'C',
      team: fake.teamId,
    });
    await desk.settled();
    const live = postsIn(channels.billingAlerts).filter((call) => call.args.thread_ts === undefined);
    // Both, once each; sent one after another oldest first, though a retry run beside it may send the second first.
    expect(live.map((call) => call.args.text)).toHaveLength(2);
    expect(live.map((call) => call.args.text)).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`#${first.number}`),
        expect.stringContaining(`#${second.number}`),
      ]),
    );
    for (const ticket of [first, second]) {
      expect((await desk.store.deliveries.get(`live:${ticket.number}`))?.state).toBe('delivered');
    }
    expect((await readyz()).body.channels).toBeUndefined();
  });

  it('answers is_archived for an archived channel, and an admin’s “Check channels again” sends what waited once it is unarchived', async () => {
    await startWith((fake) => fake.archiveChannel(channels.billingAlerts));
    expect(
      logs.some((line) => line.includes(`(${channels.billingAlerts}), the alert channel of Billing is archived`)),
    ).toBe(true);
    const ticket = await fileTicket(desk.deskbolt.desk);
    await desk.settled();
    expect(await desk.store.deliveries.get(`live:${ticket.number}`)).toMatchObject({
      state: 'failed',
      lastError: `is_archived in ${channels.billingAlerts}`,
    });
    expect(fake.dmsTo(ADMIN)[0]?.args.text).toContain('is_archived');

    fake.unarchiveChannel(channels.billingAlerts);
    await desk.slack.blockAction(
      ADMIN,
      { action_id: actionIds.checkChannels, value: 'check' },
      { view: fake.homeView(ADMIN) },
    );
    await desk.settled();
    expect((await desk.store.deliveries.get(`live:${ticket.number}`))?.state).toBe('delivered');
    expect(postsIn(channels.billingAlerts).some((call) => String(call.args.text).includes(`#${ticket.number}`))).toBe(
      true,
    );
    expect(JSON.stringify(fake.homeView(ADMIN)?.blocks)).not.toContain(actionIds.checkChannels);
  });

  it('cannot see a private channel the bot was never invited to (channel_not_found), and only an admin’s press checks again', async () => {
    await startWith((fake) => {
      fake.addChannel({ id: channels.payopsAlerts, name: 'payops-private', isPrivate: true });
      fake.removeBot(channels.payopsAlerts);
    });
    expect((await readyz()).body.channels.problems).toEqual([
      { channel: channels.payopsAlerts, problem: 'not_found', advice: expect.stringContaining('private channel') },
    ]);
    const checks = fake.calls('conversations.info').length;
    await desk.slack.blockAction(people.ana, { action_id: actionIds.checkChannels, value: 'check' });
    await desk.settled();
    expect(fake.calls('conversations.info')).toHaveLength(checks);
  });
});
