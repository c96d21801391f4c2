import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { testWorkspace } from './support/workspace.js';

const KEY = 'dk_live_numbers_0123456789abcdef';

/** Ticket numbers are what people quote: a burst of retries of one request must not use up a run of them. */
describe('concurrent creates with one Idempotency-Key', () => {
  let desk: TestDesk;
  beforeAll(async () => {
    desk = await startTestDesk({
      workspace: testWorkspace({
        apiKeys: [{ name: 'web-form', sha256: createHash('sha256').update(KEY).digest('hex'), scope: 'all' }],
      }),
    });
  });
  afterAll(async () => {
    await desk.close();
  });

  const create = (subject: string, idempotencyKey?: string) =>
    fetch(`http://127.0.0.1:${desk.deskbolt.port}/api/v1/tickets`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${KEY}`,
        'Content-Type': 'application/json',
        ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
      },
      body: JSON.stringify({ subject, requester: { email: 'pat@example.com', name: 'Pat' } }),
    }).then(async (response) => ({
      status: response.status,
      body: (await response.json()) as { ticket: { number: number } },
    }));

  it('twenty at once file one ticket and use one number: the next ticket gets the number after it', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => create('Refund for order 77', 'form-77')));
    expect(answers.every((answer) => answer.status === 200 || answer.status === 201)).toBe(true);
    const numbers = new Set(answers.map((answer) => answer.body.ticket.number));
    expect(numbers.size).toBe(1);

    const next = await create('Another question');
    expect(next.body.ticket.number).toBe([...numbers][0]! + 1);
  });
});
