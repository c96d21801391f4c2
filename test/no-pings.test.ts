import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { chatNoteModal } from '../blocks/chat.js';
import { actionIds, callbackIds, chatNoteFields, escalationFields, replyFields } from '../blocks/ids.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { chatSteps } from './support/chats.js';
import { useTestDesk } from './support/use-test-desk.js';
import { people, testWorkspace } from './support/workspace.js';

const KEY = 'dk_live_bridge_0123456789abcdef';
const VICTIM = 'UVICTIM01';

/**
 * Issue 10's rule, checked on everything the app sent: untrusted text (a requester's DM, its edits, a
 * file's name, an email's subject and sender, a note an agent typed into a modal) never comes out as a
 * live broadcast or a mention of someone the app did not mean. Each path below once did.
 */
describe('no ping the app did not mean', () => {
  let steps: ReturnType<typeof chatSteps>;
  const desk = useTestDesk({
    workspace: testWorkspace({
      apiKeys: [{ name: 'bridge', sha256: createHash('sha256').update(KEY).digest('hex'), scope: 'all' }],
    }),
  });
  beforeAll(async () => {
    steps = chatSteps(desk);
    desk.fake.addUser({ id: VICTIM, name: 'victim', realName: 'Vic Tim' });
    desk.fake.addUserGroup({ id: 'S0EVERY', handle: 'everyone-team' });
  });

  /** What the check counts as wrong: a broadcast anywhere, or the bystander named by a live mention. */
  const wrongPings = () =>
    desk.fake.unintendedPings().filter((ping) => ping.mention.startsWith('<!') || ping.mention.includes(VICTIM));

  it('a requester’s DM, its edit and a file they share reach the agent’s thread and the follower’s copy as words', async () => {
    const chat = await steps.liveChat(
      'UREQP001',
      people.ana,
      '@here @channel @everyone-team ask @victim about AT&T <b>',
    );
    await desk.slack.command(people.lead, '/ticket', `follow ${chat.ticketNumber}`);
    await desk.settled();
    const sent = await desk.slack.message('UREQP001', 'and @everyone please <!channel>');
    await desk.slack.editMessage('UREQP001', sent, 'edited: @here @victim');
    await desk.slack.shareFile('UREQP001', {
      id: 'FPING001',
      name: 'a|b><!channel>.pdf',
      mimetype: 'application/pdf',
      filetype: 'pdf',
      size: 10,
    });
    await desk.settled();
    expect(steps.threadMessages(chat).length).toBeGreaterThan(2);
    expect(wrongPings()).toEqual([]);
    // And the words are all there, once escaped: nobody reads `&amp;`.
    expect(JSON.stringify(desk.fake.calls().map((call) => call.args))).not.toMatch(/&amp;(amp|lt|gt);/);
  });

  it('an email whose subject and sender name are broadcasts: live message, card, Home and receipts stay quiet', async () => {
    const base = `http://127.0.0.1:${desk.deskbolt.port}/api/v1`;
    const response = await fetch(`${base}/tickets`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        subject: '<!channel> invoice <@UVICTIM01>',
        description: '<!here> see <!subteam^S0EVERY>',
        requester: { email: 'mallory@example.com', name: '<!everyone>' },
      }),
    });
    expect(response.status).toBe(201);
    const { ticket } = (await response.json()) as { ticket: { number: number } };
    await desk.settled();
    await desk.slack.blockAction(people.ana, { action_id: actionIds.take, value: String(ticket.number) });
    await desk.slack.command(people.ana, '/ticket', `show ${ticket.number}`);
    await desk.slack.command(people.ana, '/ticket', 'mine');
    await desk.slack.event({ type: 'app_home_opened', user: people.ana, tab: 'home', channel: 'D0ANAHOME' });
    await desk.settled();
    expect(desk.fake.okCalls('chat.postMessage').length + desk.fake.responses().length).toBeGreaterThan(0);
    expect(wrongPings()).toEqual([]);
  });

  it('a note typed into a modal as <!channel>, a chat note, and an escalation note say the words, not the ping', async () => {
    const chat = await steps.liveChat('UREQP002', people.ana, 'hello');
    const modal = chatNoteModal(chat.ticketNumber);
    await desk.slack.viewSubmission(people.ana, {
      ...modal,
      callback_id: callbackIds.chatNote,
      state: viewStateFrom(modal, { [chatNoteFields.text]: '<!channel> <@UVICTIM01> refund approved' }),
    });
    await desk.settled();

    const ticket = (await desk.store.tickets.get(chat.ticketNumber))!;
    await desk.slack.blockAction(people.ana, { action_id: actionIds.note, value: String(ticket.number) });
    await desk.settled();
    const noteForm = desk.fake.okCalls('views.open').at(-1)!.response.view;
    await desk.slack.viewSubmission(people.ana, {
      id: noteForm.id,
      callback_id: noteForm.callback_id,
      private_metadata: noteForm.private_metadata,
      state: viewStateFrom(noteForm, { [replyFields.text]: '<!here> internal <@UVICTIM01>' }),
    });
    await desk.settled();

    await desk.slack.blockAction(people.ana, { action_id: actionIds.escalate, value: String(ticket.number) });
    await desk.settled();
    const escalation = desk.fake.okCalls('views.open').at(-1)!.response.view;
    await desk.slack.viewSubmission(people.ana, {
      id: escalation.id,
      callback_id: escalation.callback_id,
      private_metadata: escalation.private_metadata,
      state: viewStateFrom(escalation, {
        [escalationFields.group]: '20',
        [escalationFields.note]: '<!channel> gateway down, ask <@UVICTIM01>',
      }),
    });
    await desk.settled();
    expect(
      (await desk.store.tickets.comments(ticket.number, { kinds: ['internal', 'chat-note'] })).map(
        (comment) => comment.text,
      ),
    ).toEqual(expect.arrayContaining(['<!channel> <@UVICTIM01> refund approved', '<!here> internal <@UVICTIM01>']));
    expect((await desk.store.tickets.get(ticket.number))!.groupId).toBe(20);
    expect(wrongPings()).toEqual([]);
  });

  it('a message filed by the Create ticket shortcut: the filer’s confirmation and the live message name nobody', async () => {
    await desk.slack.messageShortcut(people.ana, 'create_ticket', {
      ts: '1700000009.000100',
      channel: 'C0GENERAL',
      user: 'UREQP003',
      text: '@here printer @victim is on fire',
    });
    await desk.settled();
    const form = desk.fake.okCalls('views.open').at(-1)!.response.view;
    await desk.slack.viewSubmission(people.ana, {
      id: form.id,
      callback_id: form.callback_id,
      private_metadata: form.private_metadata,
      state: viewStateFrom(form, { group: '10' }),
    });
    await desk.settled();
    expect(desk.fake.okCalls('chat.postMessage').length).toBeGreaterThan(0);
    expect(wrongPings()).toEqual([]);
  });
});
