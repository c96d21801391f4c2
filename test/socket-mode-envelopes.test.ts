import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileTicket } from './support/desk.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { people } from './support/workspace.js';

/**
 * Envelopes Slack should never send, or sends again: each is acknowledged (so Slack does not retry
 * it) and the process lives on; an envelope_id seen before is not acted on twice.
 */
describe('Socket Mode envelopes checked before anything reads them', () => {
  let desk: TestDesk;
  const logs: string[] = [];
  beforeAll(async () => {
    desk = await startTestDesk({ mode: 'socket', logs });
  });
  afterAll(async () => {
    await desk.close();
  });

  const malformed: [string, Record<string, unknown>][] = [
    [
      'events_api with event: null',
      {
        envelope_id: 'env-null-event',
        type: 'events_api',
        payload: { type: 'event_callback', event_id: 'Ev0NULL', event: null },
        retry_attempt: 0,
        retry_reason: '',
      },
    ],
    [
      'events_api with no event',
      {
        envelope_id: 'env-no-event',
        type: 'events_api',
        payload: { type: 'event_callback', event_id: 'Ev0NONE' },
        retry_attempt: 0,
        retry_reason: '',
      },
    ],
    ['events_api with no payload', { envelope_id: 'env-no-payload', type: 'events_api' }],
    [
      'events_api whose event has no type',
      {
        envelope_id: 'env-untyped',
        type: 'events_api',
        payload: { type: 'event_callback', event_id: 'Ev0UNTYPED', event: { user: people.customer } },
      },
    ],
    ['interactive with a string payload', { envelope_id: 'env-string', type: 'interactive', payload: 'block_actions' }],
  ];
  for (const [what, envelope] of malformed) {
    it(`${what}: acknowledged and dropped with a log line; the next command is answered`, async () => {
      const answer = await desk.fake.socketMode.deliverAsIs(envelope);
      expect(answer).toMatchObject({ acked: true });
      expect(
        logs.some(
          (line) =>
            line.includes('dropped a malformed Socket Mode envelope') && line.includes(String(envelope.envelope_id)),
        ),
      ).toBe(true);

      const ticket = await fileTicket(desk.deskbolt.desk);
      desk.fake.clearCalls();
      await desk.slack.command(people.ana, '/ticket', `show ${ticket.number}`);
      await desk.settled();
      expect(desk.fake.responses()).toHaveLength(1);
    });
  }

  it('the same envelope_id delivered twice is acknowledged twice and acted on once', async () => {
    const ticket = await fileTicket(desk.deskbolt.desk);
    desk.fake.clearCalls();
    await desk.slack.command(people.ana, '/ticket', `take ${ticket.number}`);
    await desk.settled();
    const first = desk.fake.socketMode.envelopes().at(-1)!;
    expect(first.type).toBe('slash_commands');

    const again = await desk.fake.socketMode.deliverAsIs({
      envelope_id: first.envelopeId,
      type: first.type,
      payload: first.payload,
      accepts_response_payload: true,
    });
    await desk.settled();

    expect(again).toMatchObject({ acked: true });
    expect(desk.fake.responses().map((response) => response.body.text)).toEqual([`You took #${ticket.number}.`]);
  });
});
