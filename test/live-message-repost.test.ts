import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placesOf } from '../src/tickets/places.js';
import { fileTicket } from './support/desk.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { channels, people } from './support/workspace.js';

let desk: TestDesk;
beforeAll(async () => {
  desk = await startTestDesk();
});
afterAll(async () => desk.close());

const liveOf = async (number: number) => (await placesOf(desk.deskbolt.desk, number)).live;

describe('a live ticket message Slack no longer lets the app edit', () => {
  // chat.update's errors for a message past editing (https://docs.slack.dev/reference/methods/chat.update/#errors).
  it.each(['cant_update_message', 'edit_window_closed', 'is_inactive'])(
    '%s: the message is posted anew and remembered, and the next change updates the new one',
    async (error) => {
      const ticket = await fileTicket(desk.deskbolt.desk);
      await desk.settled();
      const first = (await liveOf(ticket.number))!;
      desk.fake.failNext('chat.update', error);
      await desk.slack.command(people.ana, '/ticket', `take ${ticket.number}`);
      await desk.settled();

      const second = (await liveOf(ticket.number))!;
      expect(second.ts).not.toBe(first.ts);
      expect(second.channel).toBe(channels.billingAlerts);
      expect(desk.fake.messages(channels.billingAlerts).find((message) => message.ts === second.ts)?.text).toContain(
        `#${ticket.number}`,
      );
      expect((await desk.store.deliveries.get(`live:${ticket.number}`))?.state).toBe('delivered');

      await desk.slack.command(people.ana, '/ticket', `release ${ticket.number}`);
      await desk.settled();
      expect(desk.fake.okCalls('chat.update').at(-1)?.args).toMatchObject({
        channel: channels.billingAlerts,
        ts: second.ts,
      });
    },
  );

  it('message_not_found (a person deleted it): posted anew', async () => {
    const ticket = await fileTicket(desk.deskbolt.desk);
    await desk.settled();
    const first = (await liveOf(ticket.number))!;
    // Deleted in Slack by someone with the rights to: chat.update then answers message_not_found.
    await desk.deskbolt.slack.client.chat.delete({ channel: first.channel, ts: first.ts });
    await desk.slack.command(people.ana, '/ticket', `take ${ticket.number}`);
    await desk.settled();
    const second = (await liveOf(ticket.number))!;
    expect(second.ts).not.toBe(first.ts);
    expect(desk.fake.calls('chat.update').some((call) => call.error === 'message_not_found')).toBe(true);
  });
});
