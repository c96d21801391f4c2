import {
  assigneeReminder,
  closingTime,
  handedBackToOwner,
  handedBackToPrevious,
  handedBackToQueue,
  leadReminder,
  pendingReminder,
  transferReturned,
  unattendedQueue,
} from '../../../blocks/reminders.js';
import { waited } from '../../../blocks/text.js';
import type { Subscriber, TicketNoticeOf } from '../../events/types.js';
import { attemptDelivery } from '../../tickets/deliveries.js';
import { queuePendingReminderMail } from '../../tickets/reminders.js';
import { calendarOf } from '../../tickets/sla.js';
import type { NotifierContext } from './context.js';

/**
 * Who hears of reminders and hand-backs. Each message goes through the delivery queue under an id
 * made of the ticket and the wait it is for (not of the event): two replicas that both recorded a
 * reminder on a server whose conditional writes are not atomic across processes still send it once,
 * and a send cut half-way is finished by the delivery-retries job.
 */
export function reminderNotifier(context: NotifierContext): Subscriber {
  const { desk, outbox } = context;

  function waitOf(moment: Date | undefined | null): string {
    return moment ? String(new Date(moment).getTime()) : 'unmarked';
  }

  async function assigneeReminded({ ticket, event }: TicketNoticeOf<'assignee_reminded'>): Promise<void> {
    const businessHours = calendarOf(desk.directory.workspace, ticket.groupId) !== null;
    await outbox.post({
      id: `reminder:assignee:${ticket.number}:${waitOf(ticket.reminderMarks?.assigneeFor)}`,
      ticketNumber: ticket.number,
      purpose: 'assignee reminder',
      place: { kind: 'dm', userId: event.to.assignee },
      text: assigneeReminder(ticket, event.to.waitedMs, businessHours),
    });
  }

  async function leadReminded({ ticket, event }: TicketNoticeOf<'lead_reminded'>): Promise<void> {
    const text = leadReminder(ticket, event.to.assignee, desk.directory.groupName(ticket.groupId), event.to.waitedMs);
    for (const lead of event.to.leads) {
      await outbox.post({
        id: `reminder:lead:${ticket.number}:${waitOf(ticket.reminderMarks?.leadFor)}:${lead}`,
        ticketNumber: ticket.number,
        purpose: 'lead reminder',
        place: { kind: 'dm', userId: lead },
        text,
      });
    }
  }

  async function requesterReminded({ ticket, event }: TicketNoticeOf<'requester_reminded'>): Promise<void> {
    const id = `reminder:pending:${ticket.number}:${waitOf(ticket.reminderMarks?.pendingFor)}`;
    const closesAt = closingTime(new Date(event.to.closesAt), desk.settings.timeZone);
    if (ticket.requester.kind === 'slack') {
      await outbox.post({
        id,
        ticketNumber: ticket.number,
        purpose: 'pending reminder',
        place: { kind: 'requester-thread', ticketNumber: ticket.number, userId: ticket.requester.userId },
        text: pendingReminder(ticket, closesAt, 'slack'),
      });
      return;
    }
    // Mail only when deskbolt sends it (SMTP_URL); the outbound webhook carries replies, not this.
    if (!desk.settings.sendsMail) return;
    await queuePendingReminderMail(desk, ticket, { id, text: pendingReminder(ticket, closesAt, 'email') });
    await attemptDelivery(desk, id, context.senders);
  }

  async function handedBack({ ticket, event }: TicketNoticeOf<'handed_back'>): Promise<void> {
    const from = event.from.assignee;
    const groupName = desk.directory.groupName(ticket.groupId);
    const key = `hand-back:${ticket.number}:${from}:${waitOf(ticket.updatedAt)}`;
    await outbox.post({
      id: `${key}:from`,
      ticketNumber: ticket.number,
      purpose: 'hand-back notice',
      place: { kind: 'dm', userId: from },
      text: handedBackToOwner(ticket, event.to.afterMs, event.to.assignee, groupName),
    });
    const group = desk.directory.group(ticket.groupId);
    if (event.to.assignee) {
      await outbox.post({
        id: `${key}:to`,
        ticketNumber: ticket.number,
        purpose: 'hand-back notice',
        place: { kind: 'dm', userId: event.to.assignee },
        text: handedBackToPrevious(ticket, event.to.afterMs, from),
      });
    } else if (group) {
      await outbox.post({
        id: `${key}:queue`,
        ticketNumber: ticket.number,
        purpose: 'hand-back notice',
        place: { kind: 'channel', channel: group.alertChannel },
        text: handedBackToQueue(ticket, event.to.afterMs, from),
      });
    }
  }

  async function transferReturnedToQueue({ ticket, event }: TicketNoticeOf<'transfer_returned'>): Promise<void> {
    await outbox.post({
      id: `transfer-returned:${event.note}`,
      ticketNumber: ticket.number,
      purpose: 'transfer returned notice',
      place: { kind: 'dm', userId: event.from.agent },
      text: transferReturned(ticket.number, desk.directory.groupName(event.to.groupId)),
    });
  }

  return {
    name: 'reminders',
    events: {
      assignee_reminded: assigneeReminded,
      lead_reminded: leadReminded,
      requester_reminded: requesterReminded,
      handed_back: handedBack,
      transfer_returned: transferReturnedToQueue,
    },
    signals: {
      async queue_unattended(signal) {
        const group = desk.directory.group(signal.groupId);
        if (!group) return;
        await outbox.post({
          id: `queue-alert:${signal.groupId}:${signal.window}`,
          ticketNumber: signal.oldest,
          purpose: 'unattended queue alert',
          place: { kind: 'channel', channel: group.queueChannel ?? group.alertChannel },
          text: unattendedQueue(group.name, signal.waiting, signal.oldest, waited(signal.oldestFiledAt, desk.clock())),
        });
      },
    },
  };
}
