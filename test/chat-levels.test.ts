import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionIds } from '../blocks/ids.js';
import { openTicket } from '../src/tickets/intake.js';
import { chatSteps } from './support/chats.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { channels, people, testWorkspace } from './support/workspace.js';

/** The workspace file's `chats: false`: an agent who works tickets only is never offered, given or handed a chat. */
describe('which agents take chats', () => {
  const tia = 'UTIA0008';
  let desk: TestDesk;
  let steps: ReturnType<typeof chatSteps>;
  let requesters = 0;
  beforeAll(async () => {
    const workspace = testWorkspace();
    desk = await startTestDesk({
      workspace: {
        ...workspace,
        agents: [...workspace.agents, { user: tia, name: 'Tia', groups: [10], role: 'agent', chats: false }],
      },
    });
    desk.fake.addUser({ id: tia, name: 'tia', realName: 'Tia Tickets' });
    steps = chatSteps(desk);
  });
  afterAll(async () => {
    await desk.close();
  });
  beforeEach(async () => {
    desk.fake.clearCalls();
    for (const agent of [people.ana, people.ben, people.cho, people.lead, tia]) await steps.status(agent, 'offline');
  });
  const newRequester = () => `UREQL${String(++requesters).padStart(3, '0')}`;

  it('defaults to true in the workspace file, and says false when told', () => {
    const parsed = testWorkspace({
      agents: [
        { user: tia, name: 'Tia', groups: [10], chats: false },
        { user: people.ana, name: 'Ana', groups: [10] },
      ],
    });
    expect(desk.deskbolt.desk.directory.takesChats(people.ana)).toBe(true);
    expect(parsed.agents.map((agent) => agent.chats !== false)).toEqual([false, true]);
    expect(() => testWorkspace({ agents: [{ user: tia, name: 'Tia', groups: [10], chats: 'no' }] })).toThrow();
  });

  it('an incoming chat pings only online agents who take chats, and Accept is refused to one who does not', async () => {
    await steps.status(tia, 'online');
    await steps.status(people.ana, 'online');
    const chat = await steps.startByDm(newRequester(), 'Is my invoice paid?');
    const incoming = steps.botMessages(channels.billingAlerts).find((message) => message.ts === chat.thread.ts)!;
    expect(JSON.stringify(incoming)).toContain(`<@${people.ana}>`);
    expect(JSON.stringify(incoming)).not.toContain(tia);

    await steps.accept(tia, chat);
    expect(steps.lastResponse()).toContain('You work tickets only');
    expect((await desk.store.chats.get(chat.ticketNumber))!).toMatchObject({ state: 'waiting', agent: null });
    await steps.accept(people.ana, chat);
    expect((await desk.store.chats.get(chat.ticketNumber))!).toMatchObject({ state: 'live', agent: people.ana });
  });

  it('is no transfer target: by name, in the transfer modal, nor among a group transfer’s offers', async () => {
    await steps.status(tia, 'online');
    const chat = await steps.liveChat(newRequester(), people.ana);
    await desk.slack.command(people.ana, '/ticket', `transfer ${chat.ticketNumber} @tia`);
    await desk.settled();
    expect(steps.lastResponse()).toContain('works tickets only and takes no chats');
    expect(await desk.store.chats.openTransferOf(chat.ticketNumber)).toBeNull();

    await desk.slack.blockAction(
      people.ana,
      { action_id: actionIds.transferChat, value: String(chat.ticketNumber) },
      { channel: chat.thread.channel, message: { ts: chat.thread.ts } },
    );
    await desk.settled();
    const modal = desk.fake.okCalls('views.open').at(-1)!.args.view;
    expect(JSON.stringify(modal)).toContain(`agent:${people.ben}`);
    expect(JSON.stringify(modal)).not.toContain(tia);

    // Only Tia is online in Billing besides Ana: the group has nobody who takes chats.
    await desk.slack.command(people.ana, '/ticket', `transfer ${chat.ticketNumber} group Billing`);
    await desk.settled();
    expect(steps.lastResponse()).toContain('nobody is available in Billing right now');
  });

  it('shows the setting on the Home, without the availability toggle, and still works tickets', async () => {
    await desk.slack.event({ type: 'app_home_opened', user: tia, tab: 'home' });
    await desk.settled();
    const home = JSON.stringify(desk.fake.homeView(tia)!.blocks);
    expect(home).toContain('You work *tickets only*');
    expect(home).not.toContain(`${actionIds.homeAvailability}_online`);
    await desk.slack.event({ type: 'app_home_opened', user: people.ben, tab: 'home' });
    await desk.settled();
    expect(JSON.stringify(desk.fake.homeView(people.ben)!.blocks)).toContain('You take *chats and tickets*');

    const filed = await openTicket(
      desk.deskbolt.desk,
      { subject: 'Printer jammed', requester: { kind: 'slack', userId: people.customer }, groupId: 10 },
      { actor: { kind: 'requester', id: people.customer }, channel: 'slack', source: { kind: 'dm' } },
    );
    if (!filed.ok) throw new Error(JSON.stringify(filed));
    const ticket = filed.ticket;
    await desk.slack.command(tia, '/ticket', `take ${ticket.number}`);
    await desk.settled();
    expect((await desk.store.tickets.get(ticket.number))!.assignee).toBe(tia);
  });
});
