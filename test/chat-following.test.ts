import { describe, expect, it } from 'vitest';
import { actionIds } from '../blocks/ids.js';
import { chatSteps } from './support/chats.js';
import { useTestDesk } from './support/use-test-desk.js';
import { people } from './support/workspace.js';

/** A lead shadows a live chat: they see it as it happens, the requester never sees them, and only the chat's agent speaks. */
describe('following a chat', () => {
  const desk = useTestDesk();
  const steps = chatSteps(desk);

  async function command(user: string, text: string) {
    await desk.slack.command(user, '/ticket', text);
    await desk.settled();
    return steps.lastResponse();
  }
  const mirrorOf = async (ticketNumber: number, user: string) =>
    (await desk.store.chatDesk.followersOf(ticketNumber)).find((follower) => follower.user === user)?.mirror ?? null;
  const mirrorLines = (mirror: { channel: string; ts: string }) =>
    steps
      .botMessages(mirror.channel)
      .filter((message) => message.threadTs === mirror.ts)
      .map((message) => message.text ?? '');

  it('a lead follows by command and sees both sides in a DM copy; the requester sees nothing of it', async () => {
    const chat = await steps.liveChat('UREQF001', people.ana, 'My payout is late');
    await steps.replyInThread(people.ana, chat, 'Checking the payout');
    expect(await command(people.lead, `follow ${chat.ticketNumber}`)).toContain(
      `You follow chat #${chat.ticketNumber} now`,
    );
    const mirror = (await mirrorOf(chat.ticketNumber, people.lead))!;
    expect(mirror.channel).toBe(desk.fake.dmChannelOf(people.lead));
    const header = desk.fake.messages(mirror.channel).find((message) => message.ts === mirror.ts)!;
    expect(JSON.stringify(header.blocks)).toContain(actionIds.unfollowChat);
    expect(mirrorLines(mirror)[0]).toContain('Checking the payout');

    await desk.slack.message('UREQF001', 'It was due Monday');
    await desk.settled();
    await steps.replyInThread(people.ana, chat, 'It leaves today');
    expect(mirrorLines(mirror).slice(-2)).toEqual([
      ':bust_in_silhouette: *Requester:* It was due Monday',
      '*Ana:* It leaves today',
    ]);
    const requesterSaw = steps
      .botMessages(chat.requesterDm)
      .map((message) => message.text ?? '')
      .join('\n');
    expect(requesterSaw).not.toMatch(/follow|Lee/i);
    expect(await steps.actions(chat.ticketNumber)).toContain('chat_followed');
  });

  it('a follower’s words are kept as internal notes, never relayed: in the chat thread or in their copy', async () => {
    const chat = await steps.liveChat('UREQF002', people.ana);
    await command(people.lead, `follow ${chat.ticketNumber}`);
    const mirror = (await mirrorOf(chat.ticketNumber, people.lead))!;
    const relayedBefore = steps.botMessages(chat.requesterDm).length;

    await steps.replyInThread(people.lead, chat, 'Offer the fee waiver');
    expect(desk.fake.okCalls('chat.postEphemeral').at(-1)!.args).toMatchObject({
      user: people.lead,
      text: expect.stringContaining(`Only <@${people.ana}> speaks to the requester`),
    });
    await desk.slack.message(people.lead, 'Ask for the invoice number', {
      channel: mirror.channel,
      threadTs: mirror.ts,
    });
    await desk.settled();
    // A shortcut-looking note stays a note too.
    await steps.replyInThread(people.lead, chat, '#refund');

    expect(steps.botMessages(chat.requesterDm)).toHaveLength(relayedBefore);
    const notes = (await desk.store.tickets.comments(chat.ticketNumber, { kinds: ['chat-note'] })).map(
      (comment) => comment.text,
    );
    expect(notes.sort()).toEqual(['#refund', 'Ask for the invoice number', 'Offer the fee waiver']);
    expect(
      (await desk.store.tickets.comments(chat.ticketNumber, { kinds: ['public'] })).filter(
        (comment) => comment.author.id === people.lead,
      ),
    ).toEqual([]);
    expect(steps.threadMessages(chat).at(-1)!.text).toContain(`*Internal note* by <@${people.lead}>`);
    expect(steps.threadMessages(chat).some((message) => message.text?.includes('Ask for the invoice number'))).toBe(
      true,
    );
    expect(mirrorLines(mirror).at(-1)).toContain('not sent to the requester');
    // The DM copy did not start a chat for the lead as a requester.
    expect(await desk.store.chats.openOf(people.lead)).toBeNull();

    // The chat's agent still speaks.
    await steps.replyInThread(people.ana, chat, 'Could you send the invoice number?');
    expect(steps.botMessages(chat.requesterDm).at(-1)!.text).toBe('*Ana:* Could you send the invoice number?');
  });

  it('an agent of the group follows by the Follow button; followers are on the card; unfollow stops the copy', async () => {
    const chat = await steps.liveChat('UREQF003', people.ana);
    await desk.slack.blockAction(
      people.ben,
      { action_id: actionIds.followChat, value: String(chat.ticketNumber) },
      { channel: chat.thread.channel, message: { ts: chat.thread.ts } },
    );
    await desk.settled();
    await command(people.lead, `follow ${chat.ticketNumber}`);
    expect(await command(people.lead, `follow ${chat.ticketNumber}`)).toContain('You already follow');
    await desk.slack.command(people.ana, '/ticket', `show ${chat.ticketNumber}`);
    await desk.settled();
    expect(JSON.stringify(desk.fake.responses().at(-1)!.body.blocks)).toContain(
      `Chat followed by <@${people.ben}>, <@${people.lead}>`,
    );

    const mirror = (await mirrorOf(chat.ticketNumber, people.ben))!;
    await desk.slack.blockAction(
      people.ben,
      { action_id: actionIds.unfollowChat, value: String(chat.ticketNumber) },
      { channel: mirror.channel, message: { ts: mirror.ts } },
    );
    await desk.settled();
    expect(steps.lastResponse()).toBe(`You no longer follow chat #${chat.ticketNumber}.`);
    const before = mirrorLines(mirror).length;
    await desk.slack.message('UREQF003', 'Anyone?');
    await desk.settled();
    expect(mirrorLines(mirror)).toHaveLength(before);
    expect(mirrorLines((await mirrorOf(chat.ticketNumber, people.lead))!).at(-1)).toContain('Anyone?');
    expect(await command(people.ben, `unfollow ${chat.ticketNumber}`)).toBe(
      `You are not following chat #${chat.ticketNumber}.`,
    );
  });

  it('only a lead or an agent of the chat’s group may follow; not the chat’s own agent, not an ended chat', async () => {
    const chat = await steps.liveChat('UREQF004', people.ana);
    expect(await command(people.payops, `follow ${chat.ticketNumber}`)).toBe(
      `Only a team lead or an agent of Billing can follow chat #${chat.ticketNumber}.`,
    );
    expect(await command(people.ana, `follow ${chat.ticketNumber}`)).toContain('is yours');
    expect(await command(people.outsider, `follow ${chat.ticketNumber}`)).toContain('only support agents');
    expect(await command(people.ben, 'follow {"$gt":""}')).toContain('is not a ticket number');
    await desk.slack.blockAction(
      people.ana,
      { action_id: actionIds.endChat, value: String(chat.ticketNumber) },
      { channel: chat.thread.channel, message: { ts: chat.thread.ts } },
    );
    await desk.settled();
    expect(await command(people.ben, `follow ${chat.ticketNumber}`)).toContain('has ended');
    expect(await desk.store.chatDesk.followersOf(chat.ticketNumber)).toEqual([]);
  });
});
