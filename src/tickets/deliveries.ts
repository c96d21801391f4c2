import { createHmac } from 'node:crypto';
import type { Delivery } from '../store/deliveries.js';
import type { Desk } from './desk.js';
import type { Ticket, TicketComment } from './types.js';

/**
 * How a reply reaches a requester. Slack DMs need the Slack client, which the caller passes in
 * (tickets never import Slack); email goes to the workspace's outbound webhook over HTTP.
 */
export interface DeliverySenders {
  slackDm?: (userId: string, text: string) => Promise<void>;
  fetch?: typeof fetch;
}

/** Wait before attempt 2, 3, …; after the last one the delivery is given up and stays shown on the ticket. */
export const RETRY_BACKOFF_MS = [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000, 4 * 60 * 60_000, 12 * 60 * 60_000];
export const MAX_ATTEMPTS = RETRY_BACKOFF_MS.length + 1;
/** While one attempt runs, no other replica starts the same delivery. */
const ATTEMPT_HOLD_MS = 60_000;
const WEBHOOK_TIMEOUT_MS = 10_000;

export function deliveryIdOf(commentId: string): string {
  return `d:${commentId}`;
}

/**
 * A public comment for the requester, queued; sending is `attemptDelivery`, retries are
 * `retryDueDeliveries`. A held one waits for `releaseDelivery`: what it says must not arrive before it
 * is true.
 */
export async function queueDelivery(desk: Desk, ticket: Ticket, comment: Pick<TicketComment, 'id' | 'text'>, options: { held?: boolean } = {}): Promise<Delivery> {
  return desk.store.deliveries.queue(
    {
      id: deliveryIdOf(comment.id),
      ticketNumber: ticket.number,
      commentId: comment.id,
      to: ticket.requester,
      text: deliveryText(ticket, comment.text),
      createdAt: desk.clock(),
    },
    options,
  );
}

/** A held delivery may go now (at once, and by the retry loop after that). */
export async function releaseDelivery(desk: Desk, id: string): Promise<void> {
  await desk.store.deliveries.release(id, desk.clock());
}

/**
 * "How did we do?" for an email requester: through the same queue as replies, so it is signed the
 * same way, retried the same way, and a failure shows on the ticket. One per solve.
 */
export async function queueSurveyDelivery(desk: Desk, ticket: Ticket, solve: number, survey: NonNullable<Delivery['survey']>): Promise<Delivery> {
  const id = `survey:${ticket.number}:${solve}`;
  return desk.store.deliveries.queue({
    id,
    ticketNumber: ticket.number,
    commentId: id,
    to: ticket.requester,
    text: `How did we do on #${ticket.number} “${ticket.subject.slice(0, 150)}”?`,
    survey,
    createdAt: desk.clock(),
  });
}

function deliveryText(ticket: Ticket, text: string): string {
  return `Reply on your request #${ticket.number} “${ticket.subject.slice(0, 150)}”:\n\n${text}`;
}

/** The signature the receiver checks: HMAC-SHA256 of `timestamp.body` with the workspace's secret. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export type AttemptOutcome = 'delivered' | 'retrying' | 'failed' | 'not-due';

/** One attempt at one delivery, claimed first so two replicas never send it at once. */
export async function attemptDelivery(desk: Desk, id: string, senders: DeliverySenders): Promise<AttemptOutcome> {
  const now = desk.clock();
  if (!canSend(desk, (await desk.store.deliveries.get(id))?.to, senders)) return 'not-due';
  const delivery = await desk.store.deliveries.claim(id, now, ATTEMPT_HOLD_MS);
  if (!delivery) return 'not-due';
  try {
    await send(desk, delivery, senders);
  } catch (error) {
    return failed(desk, delivery, error instanceof Error ? error.message : String(error));
  }
  await desk.store.deliveries.markDelivered(id, desk.clock());
  await desk.store.deliveries.recordEvent(`${id}:delivered`, delivery.ticketNumber, {
    actor: { kind: 'system', id: 'delivery' },
    action: 'delivered',
    to: { via: delivery.to.kind, commentId: delivery.commentId, attempts: delivery.attempts },
    at: desk.clock(),
  });
  return 'delivered';
}

function canSend(_desk: Desk, to: Delivery['to'] | undefined, senders: DeliverySenders): boolean {
  if (!to) return false;
  return to.kind === 'slack' ? senders.slackDm !== undefined : true;
}

async function send(desk: Desk, delivery: Delivery, senders: DeliverySenders): Promise<void> {
  if (delivery.to.kind === 'slack') {
    await senders.slackDm!(delivery.to.userId, delivery.text);
    return;
  }
  const webhook = desk.directory.workspace.outboundWebhook;
  if (!webhook) throw new Error('the workspace has no outboundWebhook to reach email requesters');
  const body = JSON.stringify({
    type: delivery.survey ? 'satisfaction_requested' : 'ticket.reply',
    deliveryId: delivery.id,
    ticket: delivery.ticketNumber,
    to: delivery.to,
    text: delivery.text,
    ...(delivery.survey ? { survey: { ...delivery.survey, ratings: ['good', 'bad'], question: 'How did we do?' } } : {}),
  });
  const timestamp = String(Math.floor(desk.clock().getTime() / 1000));
  const response = await (senders.fetch ?? fetch)(webhook.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-deskbolt-timestamp': timestamp,
      'x-deskbolt-signature': webhookSignature(webhook.secret, timestamp, body),
      // The receiver can drop a repeat: a retry after a lost answer carries the same key.
      'idempotency-key': delivery.id,
    },
    body,
    signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`the webhook answered HTTP ${response.status}`);
}

async function failed(desk: Desk, delivery: Delivery, reason: string): Promise<AttemptOutcome> {
  const now = desk.clock();
  const wait = RETRY_BACKOFF_MS[delivery.attempts - 1];
  const nextAttemptAt = wait === undefined ? null : new Date(now.getTime() + wait);
  await desk.store.deliveries.markFailed(delivery.id, reason.slice(0, 300), nextAttemptAt);
  await desk.store.deliveries.recordEvent(`${delivery.id}:failed:${delivery.attempts}`, delivery.ticketNumber, {
    actor: { kind: 'system', id: 'delivery' },
    action: 'delivery_failed',
    to: { via: delivery.to.kind, commentId: delivery.commentId, attempt: delivery.attempts, retryAt: nextAttemptAt, reason: reason.slice(0, 300) },
    at: now,
  });
  return nextAttemptAt ? 'retrying' : 'failed';
}

export interface RetryRun {
  attempted: number;
  delivered: number;
  failed: number;
}

/**
 * The retry loop, for the jobs to run every minute or so: every due delivery gets its next attempt.
 * Deliveries live in their own collection, so what a crashed process left behind is picked up here.
 */
export async function retryDueDeliveries(desk: Desk, now: Date, senders: DeliverySenders = {}, limit = 100): Promise<RetryRun> {
  const run: RetryRun = { attempted: 0, delivered: 0, failed: 0 };
  // Without a Slack sender only email can go; Slack DMs wait for a caller that has the client.
  const kinds = senders.slackDm ? (['slack', 'email'] as const) : (['email'] as const);
  for (const delivery of await desk.store.deliveries.due(now, limit, kinds)) {
    const outcome = await attemptDelivery(desk, delivery.id, senders);
    if (outcome === 'not-due') continue;
    run.attempted += 1;
    if (outcome === 'delivered') run.delivered += 1;
    else run.failed += 1;
  }
  return run;
}
