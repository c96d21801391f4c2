import { filerReceipt, requesterReceipt, takenNotice } from '../../../blocks/notices.js';
import type { Subscriber, TicketNotice, TicketNoticeOf } from '../../events/types.js';
import { closingNoteText } from '../../tickets/auto-close.js';
import { attemptDelivery, deliveryIdOf } from '../../tickets/deliveries.js';
import { releaseMergeNotice } from '../../tickets/merge.js';
import type { NotifierContext } from './context.js';

/**
 * The requester's side of a ticket (a chat's requester hears from the chat notifier). A Slack
 * requester's receipt opens their thread of the ticket: who took it, every public reply, the merge
 * notice and the auto-close note arrive there, and what they write there is added to the ticket.
 * Replies go through the delivery queue the workflow filled (a Slack DM in the thread, the outbound
 * webhook for email): tried now, retried by the delivery-retries job.
 */
export function requesterNotifier(context: NotifierContext): Subscriber {
  const { desk, outbox } = context;

  async function deliver(id: string): Promise<void> {
    await attemptDelivery(desk, id, outbox.senders);
  }

  async function filed({ ticket, event }: TicketNotice): Promise<void> {
    if (ticket.channel === 'chat') return;
    // Filed from Slack by a person (the modal, a message shortcut): they get a receipt too.
    const filer = event.actor.kind === 'agent' ? event.actor.id : null;
    const requester = ticket.requester.kind === 'slack' ? ticket.requester.userId : null;
    if (filer && filer !== requester) {
      await outbox.post({
        id: `${event.id}:filer`,
        ticketNumber: ticket.number,
        purpose: 'filer receipt',
        place: { kind: 'dm', userId: filer },
        text: filerReceipt(ticket).text,
        actor: filer,
      });
    }
    if (requester) {
      await outbox.post({
        id: `${event.id}:receipt`,
        ticketNumber: ticket.number,
        purpose: 'requester receipt',
        place: { kind: 'dm', userId: requester },
        text: requesterReceipt(ticket).text,
        after: { kind: 'requester-thread', ticketNumber: ticket.number },
        actor: filer,
      });
    }
  }

  async function taken({ ticket, event, requesterThread }: TicketNoticeOf<'taken'>): Promise<void> {
    const agent = event.to.assignee;
    if (ticket.requester.kind !== 'slack' || ticket.channel === 'chat') return;
    await outbox.post({
      id: `${event.id}:taken`,
      ticketNumber: ticket.number,
      purpose: 'taken notice',
      // The thread the hand-out read with the ticket is the one resolving it at sending would find (it is never moved).
      place: requesterThread
        ? { kind: 'dm', userId: ticket.requester.userId, thread: requesterThread }
        : { kind: 'requester-thread', ticketNumber: ticket.number, userId: ticket.requester.userId },
      text: takenNotice(ticket, agent).text,
    });
  }

  async function replied({ event }: TicketNoticeOf<'replied'>): Promise<void> {
    // A chat reply is relayed into the requester's DM as it is written, not delivered as a ticket reply.
    if (event.to.via === 'chat') return;
    await deliver(deliveryIdOf(event.to.commentId));
  }

  async function closed({ ticket, event }: TicketNoticeOf<'status_changed'>): Promise<void> {
    if (event.to.status !== 'closed') return;
    // The merge notice was held until this close: now it may go (and the retry loop takes it if this attempt fails).
    const notice = await releaseMergeNotice(desk, ticket);
    if (notice) await deliver(notice);
  }

  async function autoClosed({ ticket, event }: TicketNotice): Promise<void> {
    // An email requester's copy of the note is the public comment; the webhook carries replies, not this.
    if (ticket.requester.kind !== 'slack') return;
    await outbox.post({
      id: `${event.id}:closing-note`,
      ticketNumber: ticket.number,
      purpose: 'closing note',
      place: { kind: 'requester-thread', ticketNumber: ticket.number, userId: ticket.requester.userId },
      text: closingNoteText(ticket, desk.settings.pendingCloseDays),
    });
  }

  return {
    name: 'requester messages',
    events: { created: filed, taken, replied, status_changed: closed, auto_closed: autoClosed },
  };
}
