import { describe, expect, it } from 'vitest';
import {
  actionIds,
  assignFields,
  callbackIds,
  editFields,
  escalationFields,
  linkFields,
  mergeFields,
  replyFields,
} from '../blocks/ids.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { fileTicket } from './support/desk.js';
import { useTestDesk } from './support/use-test-desk.js';
import { people } from './support/workspace.js';

const UNREADABLE = 'This form can no longer be read: close it and open it again.';

/**
 * A modal hands back the private_metadata it was opened with, but one opened by an older release (or
 * a hand-made request) may carry anything: each form reads it by its own schema, and a form it cannot
 * read is refused on the form, changing nothing, instead of working on ticket "NaN" or `{"$gt": 0}`.
 */
describe('a modal whose private_metadata is not what its form wrote', () => {
  const desk = useTestDesk();

  const forms = [
    {
      button: actionIds.reply,
      by: people.ana,
      errorOn: `${replyFields.text}__1`,
      answers: { [replyFields.text]: 'Refunded.' },
    },
    {
      button: actionIds.edit,
      by: people.ana,
      errorOn: editFields.subject,
      answers: { [editFields.subject]: 'A new subject' },
    },
    {
      button: actionIds.escalate,
      by: people.ana,
      errorOn: escalationFields.note,
      answers: { [escalationFields.note]: 'Needs PayOps.' },
    },
    { button: actionIds.link, by: people.ana, errorOn: linkFields.problem, answers: { [linkFields.problem]: '#1' } },
    { button: actionIds.merge, by: people.ana, errorOn: mergeFields.target, answers: { [mergeFields.target]: '#1' } },
    {
      button: actionIds.assign,
      by: people.lead,
      errorOn: assignFields.agent,
      answers: { [assignFields.agent]: people.ana },
    },
  ];

  it.each(forms)(
    'the $button form shows the refusal on its field and changes nothing',
    async ({ button, by, errorOn, answers }) => {
      const ticket = await fileTicket(desk.deskbolt.desk);
      await desk.slack.blockAction(by, { action_id: button, value: String(ticket.number) });
      await desk.settled();
      const view = desk.fake.okCalls('views.open').at(-1)!.response.view;
      for (const metadata of [
        '',
        'not json',
        '{"number":{"$gt":0},"version":1,"revision":1}',
        `{"number":"${ticket.number}"}`,
      ]) {
        const refused = await desk.slack.viewSubmission(by, {
          id: view.id,
          callback_id: view.callback_id,
          private_metadata: metadata,
          state: viewStateFrom(view, answers),
        });
        await desk.settled();
        expect(refused.json, metadata).toEqual({ response_action: 'errors', errors: { [errorOn]: UNREADABLE } });
      }
      expect(await desk.store.tickets.get(ticket.number)).toMatchObject({
        version: ticket.version,
        subject: ticket.subject,
        assignee: null,
      });
      expect(await desk.store.tickets.comments(ticket.number)).toHaveLength(0);
    },
  );

  it('a merge confirmed from an unreadable form merges nothing and says why', async () => {
    const source = await fileTicket(desk.deskbolt.desk);
    const target = await fileTicket(desk.deskbolt.desk);
    const metadata = JSON.stringify({ sources: [String(source.number)], target: target.number });
    const answer = await desk.slack.viewSubmission(people.ana, {
      callback_id: callbackIds.mergeConfirm,
      private_metadata: metadata,
      state: { values: {} },
    });
    await desk.settled();
    expect(answer.status).toBe(200);
    expect(JSON.stringify(desk.fake.dmsTo(people.ana).at(-1))).toContain(`Nothing was merged: ${UNREADABLE}`);
    expect(await desk.store.tickets.get(source.number)).toMatchObject({ mergedInto: null, version: source.version });
  });

  it('a bulk hand-over confirmed from an unreadable form moves nothing and says why', async () => {
    const answer = await desk.slack.viewSubmission(people.lead, {
      callback_id: callbackIds.bulkMove,
      private_metadata: '{"moveId":""}',
      state: { values: {} },
    });
    await desk.settled();
    expect(answer.status).toBe(200);
    expect(JSON.stringify(desk.fake.dmsTo(people.lead).at(-1))).toContain(UNREADABLE);
  });
});
