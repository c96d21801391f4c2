import { describe, expect, it } from 'vitest';
import { chatNoteModal } from '../blocks/chat.js';
import { callbackIds, chatNoteFields } from '../blocks/ids.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { shortcutIds } from '../src/slack/listeners/shortcuts.js';
import { chatSteps } from './support/chats.js';
import { fileTicket } from './support/desk.js';
import { useTestDesk } from './support/use-test-desk.js';
import { people, testWorkspace } from './support/workspace.js';

/**
 * With `restrictToOwnGroups: true` an agent works only their own groups' tickets: that includes a
 * group's queue and its chats' internal notes. Pat is in PayOps (20) only; Billing (10) is not theirs.
 */
describe('agents kept to their own groups', () => {
  const desk = useTestDesk({ workspace: testWorkspace({ settings: { restrictToOwnGroups: true } }) });
  const steps = chatSteps(desk);

  const notesOf = async (ticketNumber: number) =>
    (await desk.store.tickets.comments(ticketNumber, { kinds: ['chat-note'] })).map((comment) => comment.text);

  it('an agent of another group may not list a group’s queue; an agent of that group may', async () => {
    const waiting = await fileTicket(
      { ...desk.deskbolt.desk, testClock: desk.clock },
      { subject: 'Waiting in Billing', groupId: 10 },
    );
    await desk.slack.command(people.payops, '/ticket', 'queue Billing');
    await desk.settled();
    expect(steps.lastResponse()).toBe('Billing is not one of your groups.');
    expect(JSON.stringify(desk.fake.responses())).not.toContain('Waiting in Billing');

    await desk.slack.command(people.cho, '/ticket', 'queue Billing');
    await desk.settled();
    expect(JSON.stringify(desk.fake.responses().at(-1))).toContain(`#${waiting.number}`);
  });

  it('an agent of another group keeps no internal note on a group’s chat: not by the shortcut, the modal, or in the thread', async () => {
    const chat = await steps.liveChat('UREQG001', people.ana);

    await desk.slack.messageShortcut(people.payops, shortcutIds.internalNote, {
      ts: chat.thread.ts,
      text: 'Incoming chat',
      user: desk.fake.botUserId,
      channel: chat.thread.channel,
    });
    await desk.settled();
    expect(steps.lastResponse()).toBe(`#${chat.ticketNumber} belongs to Billing, which is not one of your groups.`);
    expect(desk.fake.okCalls('views.open')).toEqual([]);

    // The modal, submitted anyway (opened before the rule, or forged): refused on its field, nothing kept.
    const modal = chatNoteModal(chat.ticketNumber);
    const submitted = await desk.slack.viewSubmission(people.payops, {
      ...modal,
      callback_id: callbackIds.chatNote,
      state: viewStateFrom(modal, { [chatNoteFields.text]: 'Refund approved' }),
    });
    await desk.settled();
    expect(submitted.json).toEqual({
      response_action: 'errors',
      errors: { [chatNoteFields.text]: `#${chat.ticketNumber} belongs to Billing, which is not one of your groups.` },
    });

    await steps.replyInThread(people.payops, chat, 'note: I had a look too');
    const told = desk.fake.okCalls('chat.postEphemeral').at(-1)!;
    expect(told.args).toMatchObject({
      user: people.payops,
      channel: chat.thread.channel,
      text: `#${chat.ticketNumber} belongs to Billing, which is not one of your groups.`,
    });
    expect(await notesOf(chat.ticketNumber)).toEqual([]);

    // Billing's own agents keep notes as before.
    await steps.replyInThread(people.ben, chat, 'note: VIP customer');
    expect(await notesOf(chat.ticketNumber)).toEqual(['VIP customer']);
  });
});
