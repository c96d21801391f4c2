import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionIds, callbackIds } from '../blocks/ids.js';
import { chatSteps } from './support/chats.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { people, testWorkspace } from './support/workspace.js';

const KEY = 'dk_live_phoneform_0123456789abcd';

/** The requester's phone, just below their email in the requester panel: from Slack's profile, or given on a REST ticket. */
describe('the requester’s phone', () => {
  let desk: TestDesk;
  let base: string;
  beforeAll(async () => {
    desk = await startTestDesk({
      workspace: testWorkspace({
        apiKeys: [{ name: 'web-form', sha256: createHash('sha256').update(KEY).digest('hex'), scope: 'all' }],
      }),
    });
    base = `http://127.0.0.1:${desk.deskbolt.port}/api/v1`;
  });
  afterAll(() => desk.close());

  const fieldsOf = (panel: any): string[] =>
    panel.blocks.flatMap((block: any) => (block.fields ?? []).map((field: any) => field.text));

  it('a Slack requester’s profile phone shows under their email, to the agent', async () => {
    desk.fake.addUser({
      id: 'UREQP001',
      name: 'ida',
      realName: 'Ida Moss',
      email: 'ida@example.com',
      phone: '+44 20 7946 0958',
    });
    const chat = await chatSteps(desk).liveChat('UREQP001', people.ana, 'Call me back?');
    await desk.slack.blockAction(
      people.ana,
      { action_id: actionIds.requesterProfile, value: String(chat.ticketNumber) },
      { channel: chat.thread.channel, message: { ts: chat.thread.ts } },
    );
    await desk.settled();
    const panel = desk.fake.okCalls('views.update').at(-1)!.args.view;
    expect(panel.callback_id).toBe(callbackIds.requesterProfile);
    const fields = fieldsOf(panel);
    const email = fields.findIndex((field) => field.startsWith('*Email*'));
    // Two columns: the field two places on sits just below.
    expect(fields[email + 2]).toBe('*Phone*\n+44 20 7946 0958');
  });

  it('a phone given on a REST ticket shows in its panel; a wrong one is refused and nothing is filed', async () => {
    const post = (requester: object) =>
      fetch(`${base}/tickets`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ subject: 'Web form', requester }),
      });
    const refused = await post({ email: 'joe@example.com', name: 'Joe', phone: '<!channel> call' });
    expect(refused.status).toBe(422);
    expect(await desk.store.tickets.ofRequester({ kind: 'email', email: 'joe@example.com', name: 'Joe' }, 5)).toEqual(
      [],
    );

    const filed = await post({ email: 'joe@example.com', name: 'Joe', phone: '+1 (555) 010-4477' });
    expect(filed.status).toBe(201);
    const { number } = ((await filed.json()) as { ticket: { number: number } }).ticket;
    await desk.slack.command(people.ben, '/ticket', `requester ${number}`);
    await desk.settled();
    const fields = fieldsOf(desk.fake.okCalls('views.update').at(-1)!.args.view);
    expect(fields).toEqual(['*Email*\n<mailto:joe@example.com|joe@example.com>', '*Phone*\n+1 (555) 010-4477']);
  });
});
