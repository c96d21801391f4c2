import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { actionIds, callbackIds, satisfactionFields } from '../../blocks/ids.js';
import { readSurveyValue, surveyCommentModal, surveyMessage } from '../../blocks/satisfaction.js';
import { attemptDelivery, queueSurveyDelivery } from '../tickets/deliveries.js';
import type { Desk } from '../tickets/desk.js';
import { openSurvey, rateSolve, surveyToken, type Rating, type RateResult } from '../tickets/satisfaction.js';
import type { Ticket } from '../tickets/types.js';
import { tellEphemeral, type SlackDeps } from './context.js';
import { deliverySenders, safely, type Log } from './notify.js';
import { stateValues } from './views.js';

const printLog: Log = (line) => console.error(line);

/**
 * After a solve: the requester is asked "How did we do?" — in Slack by a DM with Good / Bad, by
 * email through the outbound webhook with a signed link back to the API. Asked once per solve: a
 * second call for the same solve sends nothing.
 */
export async function askForSatisfaction(client: WebClient, desk: Desk, ticket: Ticket, log: Log = printLog): Promise<{ asked: boolean }> {
  const survey = await openSurvey(desk, ticket);
  if (!survey.ok || !survey.asked) return { asked: false };
  const requester = ticket.requester;
  if (requester.kind === 'slack') {
    await safely(log, 'satisfaction survey', () =>
      client.chat.postMessage({ channel: requester.userId, text: `How did we do on #${ticket.number}?`, blocks: surveyMessage(ticket, survey.ref, null) }),
    );
    return { asked: true };
  }
  const webhook = desk.directory.workspace.outboundWebhook;
  if (!webhook) return { asked: true };
  const token = surveyToken(webhook.secret, survey.ref);
  const path = `/api/v1/satisfaction/${token}`;
  const delivery = await queueSurveyDelivery(desk, ticket, survey.ref.solve, { token, path, url: desk.settings.publicUrl ? `${desk.settings.publicUrl}${path}` : null });
  // A failed first attempt is recorded on the ticket and retried by the delivery-retries job.
  await safely(log, 'satisfaction survey webhook', () => attemptDelivery(desk, delivery.id, deliverySenders(client)));
  return { asked: true };
}

export interface SatisfactionHooks {
  /** After an answer is recorded (the agent's home shows their week's good/bad). */
  answered?(client: WebClient, result: RateResult): Promise<void>;
}

export function registerSatisfaction(app: App, deps: SlackDeps, hooks: SatisfactionHooks = {}): void {
  for (const [actionId, rating] of [[actionIds.rateGood, 'good'], [actionIds.rateBad, 'bad']] as const) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, client, respond }) => {
      await ack();
      const ref = readSurveyValue(action.value);
      if (!ref) return tellEphemeral(respond, 'This survey button is not one of ours.');
      const ticket = await deps.desk.store.tickets.get(ref.number);
      if (ticket?.requester.kind !== 'slack' || ticket.requester.userId !== body.user.id) {
        return tellEphemeral(respond, 'Only the person who asked for help can answer this survey.');
      }
      // The trigger expires in 3 seconds: the comment modal opens before the answer is stored.
      await safely(deps.log, 'satisfaction comment modal', () => client.views.open({ trigger_id: body.trigger_id, view: surveyCommentModal({ ...ref, rating }) }));
      await answer(client, deps, hooks, ref, rating, undefined, body.user.id, respond);
    });
  }

  app.view(callbackIds.satisfactionComment, async ({ ack, body, view, client }) => {
    await ack();
    const ref = parseMetadata(view.private_metadata);
    const comment = stateValues(view)[satisfactionFields.comment]?.[satisfactionFields.comment]?.value ?? '';
    if (!ref || !comment.trim()) return;
    const ticket = await deps.desk.store.tickets.get(ref.number);
    if (ticket?.requester.kind !== 'slack' || ticket.requester.userId !== body.user.id) return;
    await answer(client, deps, hooks, ref, ref.rating, comment, body.user.id);
  });
}

async function answer(
  client: WebClient,
  deps: SlackDeps,
  hooks: SatisfactionHooks,
  ref: { number: number; solve: number },
  rating: Rating,
  comment: string | undefined,
  userId: string,
  respond?: (message: Record<string, unknown>) => Promise<unknown>,
): Promise<void> {
  const result = await rateSolve(deps.desk, { ...ref, rating, ...(comment ? { comment } : {}), actor: { kind: 'requester', id: userId } });
  if (!result.ok) {
    if (respond) await safely(deps.log, 'survey answer', () => respond({ response_type: 'ephemeral', replace_original: false, text: result.reason }));
    return;
  }
  if (respond) {
    await safely(deps.log, 'survey message update', () =>
      respond({ replace_original: true, text: `How did we do on #${ref.number}?`, blocks: surveyMessage(result.ticket, ref, result.survey.rating) }),
    );
  }
  if (result.changed && hooks.answered) await safely(deps.log, 'after survey answer', () => hooks.answered!(client, result));
}

function parseMetadata(text: string | undefined): { number: number; solve: number; rating: Rating } | null {
  try {
    const value = JSON.parse(text ?? '') as { number?: unknown; solve?: unknown; rating?: unknown };
    if (Number.isInteger(value.number) && Number.isInteger(value.solve) && (value.rating === 'good' || value.rating === 'bad')) {
      return { number: value.number as number, solve: value.solve as number, rating: value.rating };
    }
  } catch {
    // Not ours: nothing to record.
  }
  return null;
}
