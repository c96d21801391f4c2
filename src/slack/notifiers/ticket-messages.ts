import { eventLine, liveTicketMessage, movedTicketMessage } from '../../../blocks/live-message.js';
import { requesterWroteAgain } from '../../../blocks/notices.js';
import { slaLine } from '../../../blocks/sla.js';
import type { Subscriber, TicketNotice, TicketNoticeOf } from '../../events/types.js';
import type { Delivery, SlackPlaceRef } from '../../tickets/deliveries.js';
import { attemptDelivery, queueLiveMessage } from '../../tickets/deliveries.js';
import { rememberLiveMessage, ticketWithPlaces } from '../../tickets/places.js';
import { slaState } from '../../tickets/sla.js';
import type { Ticket, TicketEvent } from '../../tickets/types.js';
import { inChannel, slackErrorOf } from '../channel-check.js';
import type { NotifierContext } from './context.js';

/**
 * chat.update's answers for a message the app can no longer edit (deleted by a person, too old, in a
 * conversation gone inactive; https://docs.slack.dev/reference/methods/chat.update/#errors): the live
 * message is then posted anew, never lost.
 */
const CANNOT_EDIT = new Set(['cant_update_message', 'edit_window_closed', 'message_not_found', 'is_inactive']);

/** True when the update went through; false when the message can no longer be edited. */
async function editable(update: () => Promise<unknown>): Promise<boolean> {
  try {
    await update();
    return true;
  } catch (error) {
    const code = slackErrorOf(error);
    if (code !== undefined && CANNOT_EDIT.has(code)) return false;
    throw error;
  }
}

/**
 * A ticket lives in Slack as one message in its group's queue channel (its `queueChannel`, else its
 * `alertChannel`): posted when the ticket is filed, updated in place on every change, moved when the
 * ticket is escalated (the old group's message then says where it went). Its thread carries one short
 * line per event, so the team's conversation about the ticket and its history sit together. A chat's
 * Incoming chat message plays this part for a chat ticket (the chat notifier keeps it).
 */
export function ticketMessageNotifier(context: NotifierContext): Subscriber {
  const { desk, outbox, send } = context;
  /**
   * Where the live message is, as this process just rendered it, by ticket: the hand-out that rendered
   * it threads its line there without reading the ticket and its chat again. Only a render of the same
   * hand-out counts (cleared around it); otherwise the line's place is resolved when it is sent.
   */
  const rendered = new Map<number, SlackPlaceRef>();

  /** Renders the live message from the ticket as it is now: posted the first time, updated after, moved with its group. */
  async function renderLive(delivery: Delivery): Promise<void> {
    const found = await ticketWithPlaces(desk, delivery.ticketNumber);
    const group = found ? desk.directory.group(found.ticket.groupId) : undefined;
    if (!found || !group) return;
    const { ticket } = found;
    const live = found.places.live;
    const now = desk.clock();
    // SLA time left as of this change; the sla-watch job's warning and breach are changes too, so the message never shows a clock as fine once it is not.
    const message = liveTicketMessage({
      ticket,
      groupName: group.name,
      now,
      sla: slaLine(slaState(ticket, now, desk.directory.workspace)),
      groupNameOf: (id) => desk.directory.groupName(id),
    });
    if (live && live.groupId === ticket.groupId) {
      const updated = await editable(() =>
        inChannel(live.channel, () =>
          send.client.chat.update({
            channel: live.channel,
            ts: live.ts,
            text: message.text,
            ...(message.blocks ? { blocks: message.blocks } : {}),
          }),
        ),
      );
      if (updated) {
        rendered.set(ticket.number, { channel: live.channel, ts: live.ts });
        return;
      }
    } else if (live) {
      const moved = movedTicketMessage(ticket, group.name);
      await editable(() =>
        inChannel(live.channel, () =>
          send.client.chat.update({
            channel: live.channel,
            ts: live.ts,
            text: moved.text,
            ...(moved.blocks ? { blocks: moved.blocks } : {}),
          }),
        ),
      );
    }
    // First post, a move to another group, or a message Slack will no longer let the app edit: posted anew and remembered.
    const channel = group.queueChannel ?? group.alertChannel;
    const posted = await inChannel(channel, () =>
      send.client.chat.postMessage({
        channel,
        text: message.text,
        ...(message.blocks ? { blocks: message.blocks } : {}),
      }),
    );
    if (posted.channel && posted.ts) {
      await rememberLiveMessage(desk, ticket.number, {
        channel: posted.channel,
        ts: posted.ts,
        groupId: ticket.groupId,
      });
      rendered.set(ticket.number, { channel: posted.channel, ts: posted.ts });
    }
  }
  outbox.rendersLiveMessages(renderLive);

  async function threadLine({ ticket, event }: TicketNotice, under: SlackPlaceRef | undefined): Promise<void> {
    const commentId = quotedComment(event);
    const comment = commentId ? await desk.store.tickets.comment(commentId) : null;
    // An escalation's note is stored with a prefix naming the group; the line names both groups itself.
    const commentText = comment ? comment.text.replace(/^Escalated to [^:]*: /, '') : null;
    const line = eventLine(event, commentText, (id) => desk.directory.groupName(id));
    if (!line) return;
    await outbox.post({
      id: `${event.id}:line`,
      ticketNumber: ticket.number,
      purpose: 'ticket thread line',
      // Not a chat ticket (those are the chat notifier's), so its thread is its live message's.
      place: under
        ? { kind: 'channel', channel: under.channel, thread: under }
        : { kind: 'ticket-thread', ticketNumber: ticket.number },
      text: line,
    });
  }

  /** The assignee of a ticket hears when its requester writes again (by email, the web, or their Slack thread). */
  async function tellAssignee({ ticket, event }: TicketNoticeOf<'requester_replied' | 'reopened'>): Promise<void> {
    if (ticket.channel === 'chat' || !ticket.assignee || event.actor.kind === 'agent') return;
    const reopenedFrom = event.action === 'reopened' ? event.from.status : null;
    await outbox.post({
      id: `${event.id}:assignee`,
      ticketNumber: ticket.number,
      purpose: 'requester reply notice',
      place: { kind: 'dm', userId: ticket.assignee },
      text: requesterWroteAgain(ticket, reopenedFrom).text,
    });
  }

  async function liveMessageOf(ticket: Ticket, actor: string | null): Promise<void> {
    const delivery = await queueLiveMessage(desk, ticket.number, actor);
    await attemptDelivery(desk, delivery.id, outbox.senders);
  }

  return {
    name: 'ticket messages',
    async everyEvent(notice) {
      const { ticket, event } = notice;
      // A chat's own message in the queue is its live message (the chat notifier keeps it).
      if (ticket.channel === 'chat') return;
      // The message first (a thread line needs its parent), once per batch of events: it shows the latest state.
      rendered.delete(ticket.number);
      try {
        if (notice.last || event.action === 'created' || event.action === 'escalated')
          await liveMessageOf(ticket, event.actor.kind === 'agent' ? event.actor.id : null);
        await threadLine(notice, rendered.get(ticket.number));
      } finally {
        rendered.delete(ticket.number);
      }
    },
    // After the thread line (a subscriber's every-event handler runs first).
    events: { requester_replied: tellAssignee, reopened: tellAssignee },
  };
}

/** The comment an event's thread line quotes: the one it carries, or an escalation's note. */
function quotedComment(event: TicketEvent): string | null | undefined {
  if (event.action === 'escalated') return event.note;
  return event.to && 'commentId' in event.to ? event.to.commentId : undefined;
}
