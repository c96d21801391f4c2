import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionIds, replyFields } from '../blocks/ids.js';
import { FILE_LINK_SECRET } from '../src/fake-slack/config.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { ticketConversation } from '../src/tickets/conversation.js';
import { commentFilesToSend, deleteFilesOfTicket, downloadPath } from '../src/tickets/files.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { people, testWorkspace } from './support/workspace.js';

const WRITE_KEY = 'files-write-key-0123456789';
const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d9d6ec0000000049454e44ae426082',
  'hex',
);

/** Files over the REST API, the signed download link, and the limits on the way in. */
describe('files kept by deskbolt', () => {
  let desk: TestDesk;
  let origin: string;
  beforeAll(async () => {
    desk = await startTestDesk({
      workspace: testWorkspace({
        apiKeys: [{ name: 'web-form', sha256: sha256(WRITE_KEY), scope: 'all' }],
        files: { maxFileMb: 1, maxFilesPerMessage: 10, maxTicketMb: 3 },
      }),
    });
    origin = `http://127.0.0.1:${desk.deskbolt.port}`;
  });
  afterAll(() => desk.close());

  function form(part: string, json: unknown, files: { name: string; bytes: Buffer; type?: string }[]): FormData {
    const body = new FormData();
    body.append(part, JSON.stringify(json));
    for (const file of files)
      body.append(
        'files',
        new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'application/octet-stream' }),
        file.name,
      );
    return body;
  }

  async function post(path: string, body: FormData) {
    const response = await fetch(`${origin}/api/v1${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${WRITE_KEY}` },
      body,
    });
    return { status: response.status, json: (await response.json()) as any };
  }

  const newTicket = {
    subject: 'Invoice attached',
    requester: { email: 'dana@example.com', name: 'Dana Doe' },
    groupId: 10,
  };

  async function linksOnCard(viewer: string, number: number): Promise<string[]> {
    await desk.slack.command(viewer, '/ticket', `show ${number}`);
    await desk.settled();
    const blocks = JSON.stringify(desk.fake.responses().at(-1)!.body.blocks);
    return [...blocks.matchAll(/<(\/files\/[^|>]+)\|/g)].map((match) =>
      match[1]!.replace(/\\u0026/g, '&').replace(/&amp;/g, '&'),
    );
  }

  it('takes files with a new ticket: the type sniffed from the bytes, a path as a name kept as text, an empty file refused; lists them', async () => {
    const created = await post(
      '/tickets',
      form('ticket', newTicket, [
        { name: 'invoice.txt', bytes: PNG, type: 'text/plain' },
        { name: '../../etc/passwd', bytes: Buffer.from('root:x:0:0:root:/root:/bin/bash\n') },
        { name: 'empty.pdf', bytes: Buffer.alloc(0) },
      ]),
    );
    expect(created.status).toBe(201);
    const number = created.json.ticket.number;
    expect(created.json.files.kept.map((file: any) => [file.name, file.contentType, file.size, file.sha256])).toEqual([
      ['invoice.txt', 'image/png', PNG.length, sha256(PNG)],
      ['../../etc/passwd', 'text/plain', 32, expect.stringMatching(/^[a-f0-9]{64}$/)],
    ]);
    expect(created.json.files.refused).toEqual([
      { name: 'empty.pdf', refusal: 'file_empty', message: '“empty.pdf” was not kept: it is empty.' },
    ]);
    const listed: any = await (
      await fetch(`${origin}/api/v1/tickets/${number}/files`, { headers: { Authorization: `Bearer ${WRITE_KEY}` } })
    ).json();
    expect(listed.files.map((file: any) => file.name)).toEqual(['invoice.txt', '../../etc/passwd']);
    const fetched = await fetch(`${origin}/api/v1/tickets/${number}/files/${encodeURIComponent(listed.files[0].id)}`, {
      headers: { Authorization: `Bearer ${WRITE_KEY}` },
    });
    expect(Buffer.from(await fetched.arrayBuffer()).equals(PNG)).toBe(true);
    expect(fetched.headers.get('content-disposition')).toBe(
      `attachment; filename="invoice.txt"; filename*=UTF-8''invoice.txt`,
    );
  });

  it('a requester reply with only a file reopens the ticket; a file over the limit is refused by its size and the rest kept', async () => {
    const created = await post('/tickets', form('ticket', newTicket, []));
    const number = created.json.ticket.number;
    await desk.store.tickets.change(
      number,
      {},
      { status: 'pending', pendingSince: desk.clock.now() },
      {
        actor: { kind: 'agent', id: people.ana },
        action: 'status_changed',
        from: { status: 'new' },
        to: { status: 'pending' },
        at: desk.clock.now(),
      },
      desk.clock.now(),
    );
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    const replied = await post(
      `/tickets/${number}/comments`,
      form('comment', {}, [
        { name: 'scan.tiff', bytes: big },
        { name: 'note.txt', bytes: Buffer.from('see scan') },
      ]),
    );
    expect(replied.status).toBe(201);
    expect(replied.json.reopened).toBe(true);
    expect(replied.json.files.kept.map((file: any) => file.name)).toEqual(['note.txt']);
    expect(replied.json.files.refused[0].message).toBe(
      '“scan.tiff” was not kept: it is 3.0 MB, and a file can be at most 1 MB. Send a smaller file, or a link to it.',
    );
    expect((await desk.store.tickets.get(number))!.status).toBe('open');
  });

  it('refuses a 2 GB body by its announced length before reading it', async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const outgoing = httpRequest(`${origin}/api/v1/tickets`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${WRITE_KEY}`,
          'Content-Type': 'multipart/form-data; boundary=x',
          'Content-Length': String(2 * 1024 * 1024 * 1024),
        },
      });
      outgoing.on('response', (response) => {
        let body = '';
        response.on('data', (chunk) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      outgoing.on('error', reject);
      outgoing.write('--x\r\n');
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error.message).toContain('a request can bring at most 10 files of 1 MB');
  });

  it('a download link works for the agent it was minted for, as an attachment that never renders; not for an outsider, a forger, or after an hour', async () => {
    const page = Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>');
    const created = await post(
      '/tickets',
      form('ticket', newTicket, [{ name: '<!channel> report.html', bytes: page, type: 'text/html' }]),
    );
    const number = created.json.ticket.number;
    const [link] = await linksOnCard(people.ana, number);
    expect(link).toMatch(/^\/files\/.+viewer=UANA0001&expires=\d+&signature=/);

    // The full conversation lists the request's file too, linked for the same viewer.
    const conversation = await ticketConversation(desk.deskbolt.desk, number, people.ana, 0);
    if (!conversation.ok) throw new Error(conversation.code);
    expect(conversation.entries[0]!.files).toEqual([
      {
        name: '<!channel> report.html',
        size: page.length,
        contentType: 'text/plain',
        link: expect.stringMatching(/^\/files\/[A-Za-z0-9_-]+\?viewer=UANA0001&/),
      },
    ]);
    const download = await fetch(`${origin}${link}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe(
      `attachment; filename="<!channel> report.html"; filename*=UTF-8''%3C!channel%3E%20report.html`,
    );
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    expect(download.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(download.headers.get('content-security-policy')).toContain('sandbox');
    expect(Buffer.from(await download.arrayBuffer()).equals(page)).toBe(true);

    // Pat works PayOps only: the card offers no link, and one minted for them (a stolen secret aside) is refused.
    expect(await linksOnCard(people.payops, number)).toEqual([]);
    const fileId = created.json.files.kept[0].id;
    const outsider = await fetch(`${origin}${downloadPath(FILE_LINK_SECRET, fileId, people.payops, desk.clock.now())}`);
    expect(outsider.status).toBe(403);
    expect(await outsider.text()).toBe(
      'This download link is not valid for you: open the ticket in Slack for a link of your own.\n',
    );
    // Ana's link with Pat's name on it: the signature no longer matches.
    expect((await fetch(`${origin}${link!.replace('viewer=UANA0001', `viewer=${people.payops}`)}`)).status).toBe(403);
    // A lead of another group may open it.
    expect(
      (await fetch(`${origin}${downloadPath(FILE_LINK_SECRET, fileId, people.lead, desk.clock.now())}`)).status,
    ).toBe(200);

    desk.clock.advance(61 * 60_000);
    const late = await fetch(`${origin}${link}`);
    expect(late.status).toBe(403);
    expect(await late.text()).toBe('This download link has expired: open the ticket in Slack again for a fresh one.\n');
  });

  it('an agent’s reply to an email requester keeps its file for the reply mail; retention takes a ticket’s files with it', async () => {
    const created = await post(
      '/tickets',
      form('ticket', newTicket, [{ name: 'form.pdf', bytes: Buffer.from('%PDF-1.4\n%%EOF\n') }]),
    );
    const number = created.json.ticket.number;
    await desk.settled();
    const guide = Buffer.from('%PDF-1.4\nguide\n%%EOF\n');
    desk.fake.addFile({
      id: 'FMAIL0001',
      name: 'guide.pdf',
      mimetype: 'application/pdf',
      filetype: 'pdf',
      size: guide.length,
      user: people.ana,
      content: guide,
    });
    await desk.slack.blockAction(people.ana, { action_id: actionIds.reply, value: String(number) });
    await desk.settled();
    const view = desk.fake.view(desk.fake.okCalls('views.open').at(-1)!.response.view.id)!;
    await desk.slack.viewSubmission(people.ana, {
      id: view.id,
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: viewStateFrom(view, {
        [replyFields.kind]: 'public',
        [replyFields.text]: 'The guide is attached',
        [replyFields.files]: [desk.fake.slackFile('FMAIL0001')],
      }),
    });
    await desk.settled();
    const reply = (await desk.store.tickets.comments(number)).at(-1)!;
    const attachments = await commentFilesToSend(desk.deskbolt.desk, reply.id);
    expect(attachments.map(({ file, bytes }) => [file.name, file.contentType, bytes.equals(guide)])).toEqual([
      ['guide.pdf', 'application/pdf', true],
    ]);

    expect(await deleteFilesOfTicket(desk.deskbolt.desk, number)).toBe(2);
    expect(await desk.store.files.ofTicket(number)).toEqual([]);
    expect(
      await desk.store.connection
        .db!.collection('files_bytes.files')
        .countDocuments({ _id: { $regex: `^bytes:opening:${number}:` } } as never),
    ).toBe(0);
  });
});
