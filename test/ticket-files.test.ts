import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionIds, newTicketFields, replyFields } from '../blocks/ids.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import type { Ticket } from '../src/tickets/types.js';
import { chatSteps } from './support/chats.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { people, testWorkspace } from './support/workspace.js';

/**
 * Files belong to the ticket: a requester's screenshot in their ticket's DM thread is their reply
 * (never a new chat), an agent's file reaches the requester with the reply, and the limits answer
 * each file over them while keeping the rest.
 */
describe('files shared in Slack belong to the ticket', () => {
  let desk: TestDesk;
  beforeAll(async () => {
    desk = await startTestDesk({
      workspace: testWorkspace({
        chat: { defaultGroup: 10 },
        files: { maxFileMb: 1, maxFilesPerMessage: 10, maxTicketMb: 100 },
      }),
    });
  });
  afterAll(() => desk.close());
  beforeEach(() => desk.fake.clearCalls());

  const PNG = Buffer.from(
    '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d9d6ec0000000049454e44ae426082',
    'hex',
  );

  async function filedBy(requester: string, subject: string): Promise<Ticket> {
    await desk.slack.command(requester, '/ticket', `new ${subject}`);
    await desk.settled();
    const form = desk.fake.okCalls('views.open').at(-1)!.response.view;
    await desk.slack.viewSubmission(requester, {
      callback_id: form.callback_id,
      private_metadata: form.private_metadata,
      state: viewStateFrom(form, { [newTicketFields.group]: '10' }),
    });
    await desk.settled();
    return (await desk.store.tickets.ofRequester({ kind: 'slack', userId: requester }, 20)).find(
      (ticket) => ticket.subject === subject,
    )!;
  }

  const receiptOf = (requester: string, number: number) =>
    desk.fake
      .messages(desk.fake.dmChannelOf(requester))
      .find((message) => message.text?.startsWith(`We received your request #${number}`))!;
  const botLines = (requester: string) =>
    desk.fake
      .messages(desk.fake.dmChannelOf(requester))
      .filter((message) => message.user === desk.fake.botUserId)
      .map((message) => message.text ?? '');
  const lastOpened = () => desk.fake.view(desk.fake.okCalls('views.open').at(-1)!.response.view.id)!;

  async function pendingWithAna(requester: string, subject: string): Promise<Ticket> {
    const ticket = await filedBy(requester, subject);
    await desk.slack.command(people.ana, '/ticket', `take ${ticket.number}`);
    await desk.settled();
    await reply(people.ana, ticket.number, {
      [replyFields.text]: 'Could you send a screenshot?',
      [replyFields.status]: 'pending',
    });
    expect((await desk.store.tickets.get(ticket.number))!.status).toBe('pending');
    return ticket;
  }

  async function reply(agent: string, number: number, answers: Record<string, unknown>) {
    await desk.slack.blockAction(agent, { action_id: actionIds.reply, value: String(number) });
    await desk.settled();
    const view = lastOpened();
    const answer = await desk.slack.viewSubmission(agent, {
      id: view.id,
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: viewStateFrom(view, answers),
    });
    await desk.settled();
    return answer;
  }

  async function cardFor(viewer: string, number: number): Promise<string> {
    await desk.slack.command(viewer, '/ticket', `show ${number}`);
    await desk.settled();
    return JSON.stringify(desk.fake.responses().at(-1)!.body.blocks);
  }

  it('a file alone in the ticket’s DM thread is the requester’s reply: no new chat, pending → open, the assignee told, the card lists it', async () => {
    const ticket = await pendingWithAna('UFILE0001', 'Checkout shows an error');
    const receipt = receiptOf('UFILE0001', ticket.number);
    await desk.slack.shareFile(
      'UFILE0001',
      { id: 'FSHOT0001', name: 'error <!channel>.png', mimetype: 'image/png', filetype: 'png', size: 48_213 },
      { threadTs: receipt.ts },
    );
    await desk.settled();

    expect(await desk.store.chats.openOf('UFILE0001')).toBeNull();
    expect((await desk.store.tickets.get(ticket.number))!.status).toBe('open');
    const comment = (await desk.store.tickets.comments(ticket.number)).at(-1)!;
    expect(comment).toMatchObject({ kind: 'public', author: { kind: 'requester', id: 'UFILE0001' } });
    const files = await desk.store.files.ofTicket(ticket.number);
    expect(files).toEqual([
      expect.objectContaining({
        commentId: comment.id,
        name: 'error <!channel>.png',
        size: 48_213,
        contentType: 'image/png',
        slack: { fileId: 'FSHOT0001', permalink: expect.stringContaining('FSHOT0001') },
      }),
    ]);
    expect(desk.fake.dmsTo(people.ana).at(-1)!.args.text).toContain(`wrote again on #${ticket.number}`);

    const card = await cardFor(people.ana, ticket.number);
    expect(card).toContain('FSHOT0001');
    expect(card).toContain('error &lt;!channel&gt;.png');
    expect(card).toContain('47.1 KB · image/png · <@UFILE0001>');
    expect(card).not.toContain('<!channel>');
  });

  it('a file alone outside any thread starts nothing and the requester is told where it goes', async () => {
    await desk.slack.shareFile('UFILE0002', {
      id: 'FLOOSE001',
      name: 'receipt.pdf',
      mimetype: 'application/pdf',
      filetype: 'pdf',
      size: 1_000,
    });
    await desk.settled();
    expect(await desk.store.chats.openOf('UFILE0002')).toBeNull();
    expect(await desk.store.tickets.ofRequester({ kind: 'slack', userId: 'UFILE0002' }, 5)).toEqual([]);
    expect(botLines('UFILE0002').at(-1)).toContain('share it in the ticket’s thread');
  });

  it('in a live chat a requester’s file is relayed to the agent by link and kept with the chat’s ticket', async () => {
    const chat = await chatSteps(desk).liveChat('UFILE0006', people.ana);
    await desk.slack.shareFile('UFILE0006', {
      id: 'FCHAT0001',
      name: 'receipt.png',
      mimetype: 'image/png',
      filetype: 'png',
      size: 2_000,
    });
    await desk.settled();
    expect((await desk.store.files.ofTicket(chat.ticketNumber)).map((file) => [file.name, file.slack?.fileId])).toEqual(
      [['receipt.png', 'FCHAT0001']],
    );
    expect(
      desk.fake
        .messages(chat.thread.channel)
        .some((message) => message.threadTs === chat.thread.ts && message.text?.includes('receipt.png')),
    ).toBe(true);
    expect((await desk.store.chats.openOf('UFILE0006'))!.ticketNumber).toBe(chat.ticketNumber);
  });

  it('fifty files in one message: ten kept, the rest answered in one sentence; a file deleted before it is read is answered too', async () => {
    const ticket = await filedBy('UFILE0003', 'Logs from every server');
    const receipt = receiptOf('UFILE0003', ticket.number);
    const dm = desk.fake.dmChannelOf('UFILE0003');
    const ids = Array.from({ length: 50 }, (_, i) => `FLOG${String(i).padStart(5, '0')}`);
    for (const [i, id] of ids.entries())
      desk.fake.addFile({
        id,
        name: `server-${i}.log`,
        mimetype: 'text/plain',
        filetype: 'text',
        size: 100 + i,
        user: 'UFILE0003',
      });
    const ts = desk.fake.addMessage({ channel: dm, user: 'UFILE0003', text: 'All of them', threadTs: receipt.ts }).ts;
    // FGONE0001 was deleted in Slack between the share and deskbolt's read: files.info says file_not_found.
    await desk.slack.event({
      type: 'message',
      subtype: 'file_share',
      user: 'UFILE0003',
      text: 'All of them',
      channel: dm,
      channel_type: 'im',
      ts,
      thread_ts: receipt.ts,
      files: [{ id: 'FGONE0001', name: 'gone.txt' }, ...ids.map((id) => ({ id }))],
    });
    await desk.settled();
    const files = await desk.store.files.ofTicket(ticket.number);
    expect(files).toHaveLength(9);
    expect(files.map((file) => file.name)).toEqual(Array.from({ length: 9 }, (_, i) => `server-${i}.log`));
    const told = botLines('UFILE0003');
    expect(told).toContain(
      '“gone.txt” was not kept: it was deleted before deskbolt could read it. Share it again if it is still needed.\n“server-9.log” and 40 more files were not kept: one message can bring at most 10 files. Send the rest in another message.',
    );
    expect((await desk.store.tickets.comments(ticket.number)).at(-1)!.text).toBe('All of them');
  });

  it('an agent’s file reaches the Slack requester in their thread with the reply, uploaded the current way; an internal note’s file never does', async () => {
    const ticket = await filedBy('UFILE0004', 'How do I set up the VPN?');
    await desk.slack.command(people.ana, '/ticket', `take ${ticket.number}`);
    await desk.settled();
    const guide = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
    desk.fake.addFile({
      id: 'FGUIDE001',
      name: 'vpn-guide.pdf',
      mimetype: 'application/pdf',
      filetype: 'pdf',
      size: guide.length,
      user: people.ana,
      content: guide,
    });
    desk.fake.addFile({
      id: 'FNOTE0001',
      name: 'internal.png',
      mimetype: 'image/png',
      filetype: 'png',
      size: PNG.length,
      user: people.ana,
      content: PNG,
    });
    desk.fake.clearCalls();

    await reply(people.ana, ticket.number, {
      [replyFields.kind]: 'internal',
      [replyFields.text]: 'Customer is on the old client',
      [replyFields.files]: [desk.fake.slackFile('FNOTE0001')],
    });
    desk.clock.advance(60_000);
    await reply(people.ana, ticket.number, {
      [replyFields.kind]: 'public',
      [replyFields.text]: 'Here is the guide',
      [replyFields.files]: [desk.fake.slackFile('FGUIDE001')],
    });

    // The current flow: an upload URL, the bytes, then one completeUploadExternal into the requester's thread.
    expect(desk.fake.okCalls('files.getUploadURLExternal')).toHaveLength(1);
    const completed = desk.fake.okCalls('files.completeUploadExternal');
    expect(completed).toHaveLength(1);
    const receipt = receiptOf('UFILE0004', ticket.number);
    expect(completed[0]!.args).toMatchObject({ channel_id: desk.fake.dmChannelOf('UFILE0004'), thread_ts: receipt.ts });
    expect(completed[0]!.args.initial_comment).toContain('Here is the guide');
    expect(desk.fake.calls('files.upload')).toHaveLength(0);
    const shared = desk.fake.messages(desk.fake.dmChannelOf('UFILE0004')).find((message) => message.files?.length);
    expect(shared).toMatchObject({ threadTs: receipt.ts });
    expect(desk.fake.file(shared!.files![0]!)!.content!.equals(guide)).toBe(true);
    expect(JSON.stringify(desk.fake.messages(desk.fake.dmChannelOf('UFILE0004')))).not.toContain('internal.png');

    // Both are kept with the ticket: sniffed from their bytes, with a checksum; the note's marked internal.
    const files = await desk.store.files.ofTicket(ticket.number);
    expect(files.map((file) => [file.name, file.contentType, file.visibility])).toEqual([
      ['internal.png', 'image/png', 'internal'],
      ['vpn-guide.pdf', 'application/pdf', 'public'],
    ]);
    expect(files[1]!.sha256).toMatch(/^[a-f0-9]{64}$/);
    // The requester's own card never lists the note's file.
    const requesterCard = await cardFor('UFILE0004', ticket.number);
    expect(requesterCard).toContain('vpn-guide.pdf');
    expect(requesterCard).not.toContain('internal.png');
  });

  it('an agent’s file over the limit is refused with a word to the agent; the reply and its other files go out', async () => {
    const ticket = await filedBy('UFILE0005', 'Printer jams');
    await desk.slack.command(people.ana, '/ticket', `take ${ticket.number}`);
    await desk.settled();
    desk.fake.addFile({
      id: 'FBIG00001',
      name: 'manual.pdf',
      mimetype: 'application/pdf',
      filetype: 'pdf',
      size: 3 * 1024 * 1024,
      user: people.ana,
      content: Buffer.alloc(3 * 1024 * 1024, 1),
    });
    desk.fake.addFile({
      id: 'FSMALL001',
      name: 'steps.txt',
      mimetype: 'text/plain',
      filetype: 'text',
      size: 11,
      user: people.ana,
      content: Buffer.from('Open tray 2'),
    });
    desk.fake.clearCalls();
    await reply(people.ana, ticket.number, {
      [replyFields.text]: 'Try these steps',
      [replyFields.files]: [desk.fake.slackFile('FBIG00001'), desk.fake.slackFile('FSMALL001')],
    });
    expect((await desk.store.files.ofTicket(ticket.number)).map((file) => file.name)).toEqual(['steps.txt']);
    expect(desk.fake.dmsTo(people.ana).at(-1)!.args.text).toContain(
      '“manual.pdf” was not kept: it is 3.0 MB, and a file can be at most 1 MB.',
    );
    expect(desk.fake.okCalls('files.completeUploadExternal')).toHaveLength(1);
  });
});
