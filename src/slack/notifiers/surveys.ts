import { surveyMessage } from '../../../blocks/satisfaction.js';
import type { Subscriber } from '../../events/types.js';
import { attemptDelivery, queueSurveyDelivery } from '../../tickets/deliveries.js';
import { openSurvey, surveyToken } from '../../tickets/satisfaction.js';
import type { Ticket } from '../../tickets/types.js';
import type { NotifierContext } from './context.js';

/**
 * After a solve (after the solution itself has gone out): the requester is asked "How did we do?" —
 * in Slack by a DM with Good / Bad, by email through the outbound webhook with a signed link back to
 * the API. Asked once per solve: the same solve handed out twice sends nothing the second time.
 */
export function surveyNotifier(context: NotifierContext): Subscriber {
  return {
    name: 'surveys',
    events: {
      async status_changed({ ticket, event }) {
        // A solve that ends a chat is asked about after the requester hears the chat ended (the chat notifier asks then).
        if (event.to.status === 'solved' && ticket.status === 'solved' && event.to.endsChat !== true)
          await askForSurvey(context, ticket);
      },
    },
  };
}

/** "How did we do?" on the ticket's latest solve; nothing when this solve was asked about already. */
export async function askForSurvey(context: NotifierContext, ticket: Ticket): Promise<void> {
  const { desk, outbox } = context;
  const survey = await openSurvey(desk, ticket);
  if (!survey.ok || !survey.asked) return;
  const requester = ticket.requester;
  if (requester.kind === 'slack') {
    await outbox.post({
      id: `survey-dm:${ticket.number}:${survey.ref.solve}`,
      ticketNumber: ticket.number,
      purpose: 'satisfaction survey',
      place: { kind: 'requester-thread', ticketNumber: ticket.number, userId: requester.userId },
      text: `How did we do on #${ticket.number}?`,
      blocks: surveyMessage(ticket, survey.ref, null),
    });
    return;
  }
  const webhook = desk.directory.workspace.outboundWebhook;
  if (!webhook) return;
  const token = surveyToken(webhook.secret, survey.ref);
  const path = `/api/v1/satisfaction/${token}`;
  const delivery = await queueSurveyDelivery(desk, ticket, survey.ref.solve, {
    token,
    path,
    url: desk.settings.publicUrl ? `${desk.settings.publicUrl}${path}` : null,
  });
  // A failed first attempt is recorded on the ticket and retried by the delivery-retries job.
  await attemptDelivery(desk, delivery.id, outbox.senders);
}
