import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionIds, satisfactionFields } from '../blocks/ids.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { replyToTicket } from '../src/tickets/reply.js';
import { fileTicket } from './support/desk.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { people, testWorkspace } from './support/workspace.js';

const MINUTE = 60_000;

/** `/ticket stats` as a lead reads it: what the week's solved tickets were about, what requesters said, and SLA achievement by group and agent. */
describe('stats: the form, satisfaction comments and SLA achievement', () => {
  let desk: TestDesk;
  beforeAll(async () => {
    desk = await startTestDesk({
      workspace: testWorkspace({ sla: { targets: { normal: { firstReply: '1h', resolution: '1d' } } } }),
    });
    const lead = desk.deskbolt.desk;
    const solve = async (
      agent: string,
      afterMinutes: number,
      form: { rootCause: string; category: string; subcategory: string },
    ) => {
      const ticket = await fileTicket(lead);
      desk.clock.advance(afterMinutes * MINUTE);
      const result = await replyToTicket(lead, {
        number: ticket.number,
        agent,
        text: 'Done.',
        kind: 'public',
        status: 'solved',
        form,
      });
      if (!result.ok) throw new Error(result.code);
      await desk.settled();
      return result.ticket;
    };
    const refund = await solve(people.ana, 30, {
      rootCause: 'Card declined',
      category: 'Payments',
      subcategory: 'Refund',
    });
    await solve(people.ben, 120, { rootCause: 'User error', category: 'Account', subcategory: 'Login' });
    await solve(people.ana, 10, { rootCause: 'Card declined', category: 'Payments', subcategory: 'Chargeback' });

    // The requester answers the survey in their DM: Bad, with a comment that tries to ping everyone.
    const survey = desk.fake
      .messages(desk.fake.dmChannelOf(people.customer))
      .find((message) => message.text === `How did we do on #${refund.number}?`)!;
    await desk.slack.blockAction(
      people.customer,
      {
        action_id: actionIds.rateBad,
        value: JSON.parse(JSON.stringify(survey.blocks))
          .flatMap((b: any) => b.elements ?? [])
          .find((e: any) => e.action_id === actionIds.rateBad).value,
      },
      { channel: survey.channel, message: { ts: survey.ts } },
    );
    await desk.settled();
    const modal = desk.fake.okCalls('views.open').at(-1)!.response.view;
    await desk.slack.viewSubmission(people.customer, {
      id: modal.id,
      callback_id: modal.callback_id,
      private_metadata: modal.private_metadata,
      state: viewStateFrom(modal, { [satisfactionFields.comment]: 'Took <!channel> ages & more' }),
    });
    await desk.settled();
  });
  afterAll(async () => {
    await desk.close();
  });

  async function stats(user: string, args = '') {
    await desk.slack.command(user, '/ticket', `stats ${args}`.trim());
    await desk.settled();
    const answer = desk.fake.responses().at(-1)!;
    expect(answer.ok, answer.error).toBe(true);
    return JSON.stringify(answer.body.blocks);
  }

  it('adds counts by root cause, category and sub-category, the comments, and SLA met per group and per agent', async () => {
    const text = await stats(people.lead);
    expect(text).toContain('*SLA targets met* — first reply 2 of 3 (67%) · resolution 3 of 3 (100%)');
    expect(text).toContain('• Billing: first reply 2 of 3 (67%) · resolution 3 of 3 (100%)');
    expect(text).toContain(`• <@${people.ana}>: first reply 2 of 2 (100%) · resolution 2 of 2 (100%)`);
    expect(text).toContain(`• <@${people.ben}>: first reply 0 of 1 (0%) · resolution 1 of 1 (100%)`);
    expect(text).toContain('*Root causes* — Card declined 2 · User error 1');
    expect(text).toContain('*Categories* — Payments 2 · Account 1');
    expect(text).toContain('*Sub-categories* — Account › Login 1 · Payments › Chargeback 1 · Payments › Refund 1');
    expect(text).toContain(`:-1: #1001 (<@${people.ana}>): “Took &lt;!channel&gt; ages &amp; more”`);
  });

  it('for one agent: only what they solved and what was said about it', async () => {
    const text = await stats(people.lead, 'Ben');
    expect(text).toContain('*SLA targets met* — first reply 0 of 1 (0%) · resolution 1 of 1 (100%)');
    expect(text).toContain('*Root causes* — User error 1');
    expect(text).not.toContain('Satisfaction comments');
  });
});
