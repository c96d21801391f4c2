import { createHmac } from 'node:crypto';
import { ticketEvent } from '../events/ticket-events.js';
import type { AfterPost, Delivery, NewDelivery, SlackOrder, SlackPlace, SlackPlaceRef } from '../store/deliveries.js';
import type { Desk } from './desk.js';
import type { Ticket, TicketComment } from './types.js';
import { postWebhook } from './webhook.js';

/** Who records a delivery's outcome in the history. */
const deliveryActor = { kind: 'system', id: 'delivery' } as const;

export type { AfterPost, Delivery, SlackOrder, SlackPlace, SlackPlaceRef };

/**
 * How queued deliveries go out. Slack needs the Slack client, which the composition root gives
 * (tickets never import Slack); email goes to the workspace's outbound webhook over HTTP.
 */
export interface DeliverySenders {
  /** Sends a Slack delivery (a reply DM or any queued Slack message); throws when Slack says no. */
  slack?: (delivery: Delivery) => Promise<void>;
  /** Sends an email delivery as mail (SMTP_URL set); unset, email goes to the outbound webhook. Throws when the server says no. */
  email?: (delivery: Delivery) => Promise<void>;
  /** Tells the agent whose action a delivery follows that it did not go out (best effort). */
  tellAgent?: (agent: string, text: string) => Promise<void>;
  /** Slack refused a delivery for its channel: whoever can fix the channel is told (best effort, once). */
  channelRefused?: (refusal: ChannelUnavailable, delivery: Delivery) => Promise<void>;
}

/** A Slack delivery that cannot be sent yet, and is not failing: what it goes under is not there yet. */
export class NotReadyYet extends Error {}

/**
 * Slack refused a delivery for its channel (the bot not in it, archived, not found). Retrying on a
 * timer would only fail for hours while nobody sees anything: only a person can fix it, so it waits
 * for the channel instead.
 */
export class ChannelUnavailable extends Error {
  constructor(
    readonly channel: string,
    /** Slack's error: not_in_channel, is_archived or channel_not_found. */
    readonly slackError: string,
  ) {
    super(`${slackError} in ${channel}`);
  }
}

/** Wait before attempt 2, 3, …; after the last one the delivery is given up and stays shown on the ticket. */
export const RETRY_BACKOFF_MS = [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000, 4 * 60 * 60_000, 12 * 60 * 60_000];
export const MAX_ATTEMPTS = RETRY_BACKOFF_MS.length + 1;
/** While one attempt runs, no other replica starts the same delivery. */
const ATTEMPT_HOLD_MS = 60_000;
/** How soon a delivery waiting for its parent message looks again. */
const NOT_READY_WAIT_MS = 15_000;
const WEBHOOK_TIMEOUT_MS = 10_000;

export function deliveryIdOf(commentId: string): string {
  return `d:${commentId}`;
}

/**
 * A public comment for the requester, queued; sending is `attemptDelivery`, retries are
 * `retryDueDeliveries`. A held one waits for `releaseDelivery`: what it says must not arrive before it
 * is true.
 */
export async function queueDelivery(
  desk: Desk,
  ticket: Ticket,
  comment: Pick<TicketComment, 'id' | 'text'>,
  options: { held?: boolean } = {},
): Promise<Delivery> {
  return desk.store.deliveries.queue(
    {
      id: deliveryIdOf(comment.id),
      ticketNumber: ticket.number,
      purpose: 'reply',
      via: ticket.requester.kind === 'slack' ? 'slack' : 'email',
      commentId: comment.id,
      to: ticket.requester,
      text: deliveryText(ticket, comment.text),
      createdAt: desk.clock(),
    },
    options,
  );
}

/**
 * The auto-close's note for an email requester, as mail (SMTP_URL set): automatic, so it is marked so
 * (Auto-Submitted) and never starts a loop. One per ticket.
 */
export async function queueClosingNoteDelivery(
  desk: Desk,
  ticket: Ticket,
  note: { commentId: string; text: string },
): Promise<Delivery> {
  return desk.store.deliveries.queue({
    id: `closing-note:${ticket.number}`,
    ticketNumber: ticket.number,
    purpose: 'closing note',
    via: 'email',
    commentId: note.commentId,
    to: ticket.requester,
    text: note.text,
    createdAt: desk.clock(),
  });
}

/** A held delivery may go now (at once, and by the retry loop after that). */
export async function releaseDelivery(desk: Desk, id: string): Promise<void> {
  await desk.store.deliveries.release(id, desk.clock());
}

/**
 * "How did we do?" for an email requester: through the same queue as replies, so it is signed the
 * same way, retried the same way, and a failure shows on the ticket. One per solve.
 */
export async function queueSurveyDelivery(
  desk: Desk,
  ticket: Ticket,
  solve: number,
  survey: NonNullable<Delivery['survey']>,
): Promise<Delivery> {
  const id = `survey:${ticket.number}:${solve}`;
  return desk.store.deliveries.queue({
    id,
    ticketNumber: ticket.number,
    purpose: 'survey',
    via: 'email',
    commentId: id,
    to: ticket.requester,
    text: `How did we do on #${ticket.number} “${ticket.subject.slice(0, 150)}”?`,
    survey,
    createdAt: desk.clock(),
  });
}

/**
 * A Slack message that matters, queued under an id made from what it is for (so a retry queues it
 * once) and sent at once; a failure leaves it to the retry loop, and the ticket shows it.
 */
export async function sendSlackMessage(
  desk: Desk,
  message: { id: string; ticketNumber: number; purpose: string; order: SlackOrder; actor?: string | null },
  senders: DeliverySenders,
): Promise<AttemptOutcome> {
  const claimed = await desk.store.deliveries.queueClaimed(slackDelivery(desk, message), desk.clock(), ATTEMPT_HOLD_MS);
  return claimed ? deliverClaimed(desk, claimed, senders) : 'not-due';
}

/** The one standing delivery of a ticket's live message: queued again on every change, sent once per burst. */
export async function queueLiveMessage(desk: Desk, ticketNumber: number, actor: string | null): Promise<Delivery> {
  return desk.store.deliveries.queueAgain(
    slackDelivery(desk, {
      id: `live:${ticketNumber}`,
      ticketNumber,
      purpose: 'ticket message',
      order: { op: 'live-message', ticketNumber },
      actor,
    }),
  );
}

function slackDelivery(
  desk: Desk,
  message: { id: string; ticketNumber: number; purpose: string; order: SlackOrder; actor?: string | null },
): NewDelivery {
  return {
    id: message.id,
    ticketNumber: message.ticketNumber,
    purpose: message.purpose,
    via: 'slack',
    text: 'text' in message.order ? message.order.text : '',
    slack: message.order,
    actor: message.actor ?? null,
    createdAt: desk.clock(),
  };
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
  const delivery = await desk.store.deliveries.claim(id, desk.clock(), ATTEMPT_HOLD_MS);
  return delivery ? deliverClaimed(desk, delivery, senders) : 'not-due';
}

async function deliverClaimed(desk: Desk, delivery: Delivery, senders: DeliverySenders): Promise<AttemptOutcome> {
  const { id } = delivery;
  const now = desk.clock();
  if (delivery.via === 'slack' && !senders.slack) {
    // This process cannot reach Slack: give the attempt back for one that can.
    await desk.store.deliveries.notYet(id, now);
    return 'not-due';
  }
  try {
    await send(desk, delivery, senders);
  } catch (error) {
    if (error instanceof NotReadyYet) {
      await desk.store.deliveries.notYet(id, new Date(desk.clock().getTime() + NOT_READY_WAIT_MS));
      return 'retrying';
    }
    if (error instanceof ChannelUnavailable) return blocked(desk, delivery, error, senders);
    return failed(desk, delivery, error instanceof Error ? error.message : String(error), senders);
  }
  await desk.store.deliveries.markDelivered(id, desk.clock(), delivery.attempts);
  if (delivery.commentId) {
    await desk.store.deliveries.recordEvent(
      `${id}:delivered`,
      delivery.ticketNumber,
      ticketEvent('delivered', deliveryActor, desk.clock(), {
        to: { via: delivery.to?.kind ?? delivery.via, commentId: delivery.commentId, attempts: delivery.attempts },
      }),
    );
  }
  return 'delivered';
}

async function send(desk: Desk, delivery: Delivery, senders: DeliverySenders): Promise<void> {
  if (delivery.via === 'slack') {
    await senders.slack!(delivery);
    return;
  }
  if (senders.email) {
    await senders.email(delivery);
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
    ...(delivery.survey
      ? { survey: { ...delivery.survey, ratings: ['good', 'bad'], question: 'How did we do?' } }
      : {}),
  });
  const timestamp = String(Math.floor(desk.clock().getTime() / 1000));
  await postWebhook({
    url: webhook.url,
    headers: {
      'content-type': 'application/json',
      'x-deskbolt-timestamp': timestamp,
      'x-deskbolt-signature': webhookSignature(webhook.secret, timestamp, body),
      // The receiver can drop a repeat: a retry after a lost answer carries the same key.
      'idempotency-key': delivery.id,
    },
    body,
    timeoutMs: WEBHOOK_TIMEOUT_MS,
    allowPrivateNetwork: webhook.allowPrivateNetwork,
  });
}

async function failed(
  desk: Desk,
  delivery: Delivery,
  reason: string,
  senders: DeliverySenders,
): Promise<AttemptOutcome> {
  const now = desk.clock();
  const wait = RETRY_BACKOFF_MS[delivery.attempts - 1];
  const nextAttemptAt = wait === undefined ? null : new Date(now.getTime() + wait);
  await desk.store.deliveries.markFailed(delivery.id, reason.slice(0, 300), nextAttemptAt);
  await desk.store.deliveries.recordEvent(
    `${delivery.id}:failed:${delivery.attempts}`,
    delivery.ticketNumber,
    ticketEvent('delivery_failed', deliveryActor, now, {
      to: {
        via: delivery.to?.kind ?? delivery.via,
        purpose: delivery.purpose,
        ...(delivery.commentId ? { commentId: delivery.commentId } : {}),
        attempt: delivery.attempts,
        retryAt: nextAttemptAt,
        reason: reason.slice(0, 300),
      },
    }),
  );
  // The agent whose action this followed hears once, at the first failure, that it is being retried.
  if (delivery.attempts === 1 && delivery.actor && senders.tellAgent) {
    await senders
      .tellAgent(
        delivery.actor,
        `The ${delivery.purpose} for #${delivery.ticketNumber} did not go out (${reason.slice(0, 120)}). It is retried with backoff and shown on the ticket until it does.`,
      )
      .catch(() => undefined);
  }
  return nextAttemptAt ? 'retrying' : 'failed';
}

async function blocked(
  desk: Desk,
  delivery: Delivery,
  refusal: ChannelUnavailable,
  senders: DeliverySenders,
): Promise<AttemptOutcome> {
  const reason = refusal.message;
  await desk.store.deliveries.markBlocked(delivery.id, reason, refusal.channel);
  // No retry time: it waits for the channel; the reason names it.
  await desk.store.deliveries.recordEvent(
    `${delivery.id}:failed:${delivery.attempts}`,
    delivery.ticketNumber,
    ticketEvent('delivery_failed', deliveryActor, desk.clock(), {
      to: { via: 'slack', purpose: delivery.purpose, attempt: delivery.attempts, retryAt: null, reason },
    }),
  );
  if (delivery.attempts === 1 && delivery.actor && senders.tellAgent) {
    await senders
      .tellAgent(
        delivery.actor,
        `The ${delivery.purpose} for #${delivery.ticketNumber} did not go out: Slack says ${refusal.slackError} for <#${refusal.channel}>. The admins are told; it goes out once the channel is fixed.`,
      )
      .catch(() => undefined);
  }
  await senders.channelRefused?.(refusal, delivery).catch(() => undefined);
  return 'failed';
}

/** The channel is fixed (a re-check found it ready): what it refused goes now. */
export async function sendWhatChannelRefused(desk: Desk, channel: string, senders: DeliverySenders): Promise<number> {
  let sent = 0;
  for (const id of await desk.store.deliveries.unblockChannel(channel, desk.clock())) {
    if ((await attemptDelivery(desk, id, senders)) === 'delivered') sent += 1;
  }
  return sent;
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
export async function retryDueDeliveries(
  desk: Desk,
  now: Date,
  senders: DeliverySenders = {},
  limit = 100,
): Promise<RetryRun> {
  const run: RetryRun = { attempted: 0, delivered: 0, failed: 0 };
  // Without a Slack sender only email can go; Slack deliveries wait for a caller that has the client.
  const via = senders.slack ? (['slack', 'email'] as const) : (['email'] as const);
  for (const delivery of await desk.store.deliveries.due(now, limit, via)) {
    const outcome = await attemptDelivery(desk, delivery.id, senders);
    if (outcome === 'not-due') continue;
    run.attempted += 1;
    if (outcome === 'delivered') run.delivered += 1;
    else run.failed += 1;
  }
  return run;
}
