import { afterEach, describe, expect, it } from 'vitest';
import type { Chat } from '../src/chats/types.js';
import { MINUTE_MS } from '../src/clock.js';
import { deskJob } from '../src/jobs/desk-jobs.js';
import type { Workspace } from '../src/workspace/schema.js';
import { chatSteps } from './support/chats.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { channels, people, testWorkspace } from './support/workspace.js';

const transferExpiry = deskJob('transfer-expiry');
const handBack = deskJob('hand-back');
const open: TestDesk[] = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

function workspaceHandingBackTo(to: 'queue' | 'previous'): Workspace {
  return testWorkspace({
    groups: [
      {
        name: 'Billing',
        id: 10,
        alertChannel: channels.billingAlerts,
        intakeChannels: [channels.billingIntake],
        handBack: { afterMinutes: 30, to },
      },
      { name: 'PayOps', id: 20, alertChannel: channels.payopsAlerts },
    ],
  });
}

/** Ana is in a live chat and asks Ben (online) to take it over; Ben never answers. */
async function unansweredTransfer(
  to: 'queue' | 'previous',
): Promise<{ test: TestDesk; chat: Chat; steps: ReturnType<typeof chatSteps> }> {
  const test = await startTestDesk({ workspace: workspaceHandingBackTo(to) });
  open.push(test);
  const steps = chatSteps(test);
  const chat = await steps.liveChat('UREQHB01', people.ana);
  await steps.status(people.ben, 'online');
  await test.slack.command(people.ana, '/ticket', `transfer ${chat.ticketNumber} @ben`);
  await test.settled();
  expect(await test.store.chats.openTransferOf(chat.ticketNumber)).not.toBeNull();
  return { test, chat, steps };
}

describe('a chat transfer nobody accepts returns the way its group hands back', () => {
  it('to the queue: expired by the transfer-expiry job, the chat waits in the queue again; Ana, the thread and the requester are told', async () => {
    const { test, chat, steps } = await unansweredTransfer('queue');
    await test.deskbolt.jobs.run(handBack);
    expect((await test.store.chats.get(chat.ticketNumber))!).toMatchObject({ state: 'live', agent: people.ana });

    test.clock.advance(3 * MINUTE_MS);
    await test.deskbolt.jobs.run(transferExpiry);
    expect(await test.deskbolt.jobs.run(handBack)).toMatchObject({ result: { transfersReturned: 1 } });
    expect((await test.store.chats.get(chat.ticketNumber))!).toMatchObject({ state: 'waiting', agent: null });
    expect((await test.store.tickets.get(chat.ticketNumber))!.assignee).toBeNull();
    const history = await test.store.tickets.history(chat.ticketNumber);
    expect(history.map((event) => event.action)).toEqual(
      expect.arrayContaining(['transfer_expired', 'transfer_returned', 'chat_requeued']),
    );
    expect(history.find((event) => event.action === 'transfer_returned')).toMatchObject({
      actor: { kind: 'system', name: 'deskbolt' },
      from: { agent: people.ana },
      to: { groupId: 10 },
    });
    expect(steps.botMessages(test.fake.dmChannelOf(people.ana)).map((message) => message.text)).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          `Nobody accepted the transfer of the chat of #${chat.ticketNumber}: it went back to Billing's queue`,
        ),
      ]),
    );
    expect(steps.threadMessages(chat).map((message) => message.text)).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`Nobody accepted <@${people.ana}>'s transfer: deskbolt put the chat back`),
      ]),
    );

    expect(steps.botMessages(test.fake.dmChannelOf('UREQHB01')).at(-1)!.text).toContain(
      'You are waiting for the next available agent of Billing',
    );

    // Once: later runs, and Ana accepting it again from the queue, move nothing back.
    await steps.accept(people.ana, chat);
    test.clock.advance(MINUTE_MS);
    await test.deskbolt.jobs.run(transferExpiry);
    await test.deskbolt.jobs.run(handBack);
    expect((await test.store.chats.get(chat.ticketNumber))!).toMatchObject({ state: 'live', agent: people.ana });
    expect(
      (await test.store.tickets.history(chat.ticketNumber)).filter((event) => event.action === 'transfer_returned'),
    ).toHaveLength(1);
  });

  it('to the previous owner: the chat stays with the agent who asked, who is told it expired', async () => {
    const { test, chat, steps } = await unansweredTransfer('previous');
    test.clock.advance(3 * MINUTE_MS);
    await test.deskbolt.jobs.run(transferExpiry);
    expect(await test.deskbolt.jobs.run(handBack)).toMatchObject({ result: { transfersReturned: 0 } });
    expect((await test.store.chats.get(chat.ticketNumber))!).toMatchObject({ state: 'live', agent: people.ana });
    expect((await test.store.tickets.get(chat.ticketNumber))!.assignee).toBe(people.ana);
    expect(steps.botMessages(test.fake.dmChannelOf(people.ana)).at(-1)!.text).toContain(
      'expired with no answer — the chat stays with you',
    );
  });
});
