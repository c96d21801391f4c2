import { newTicketAlert, requesterWroteAgain, escalationAlertText } from '../../../blocks/notices.js';
import { escalationAlert } from '../../../blocks/ticket-work-modals.js';
import type { Subscriber, TicketNotice } from '../../events/types.js';
import { alertOf, rememberAlert } from '../../tickets/places.js';
import { fields, text, type NotifierContext } from './context.js';

/**
 * The team's side: a new ticket is announced in its group's alert channel with Take it, the alert
 * says who took it, an escalation is announced to the receiving group with its note, and an assignee
 * hears when their requester writes again.
 */
export function alertNotifier(context: NotifierContext): Subscriber {
  const { desk, send } = context;

  async function announceNew({ ticket }: TicketNotice): Promise<void> {
    // A chat announces itself as an Incoming chat in its queue channel (the chat notifier).
    if (ticket.channel === 'chat') return;
    const group = desk.directory.group(ticket.groupId);
    if (!group) return;
    const alert = newTicketAlert(ticket, group.name, null);
    const posted = await send.post('new-ticket alert', { channel: group.alertChannel, ...alert });
    if (posted) await rememberAlert(desk, ticket.number, posted);
  }

  async function showTaken({ ticket, event }: TicketNotice): Promise<void> {
    const alert = await alertOf(desk, ticket.number);
    const agent = text(fields(event.to).assignee);
    if (!alert || !agent) return;
    const updated = newTicketAlert(ticket, desk.directory.groupName(ticket.groupId), agent);
    await send.update('alert update', alert, updated.text, updated.blocks);
  }

  async function announceEscalation({ ticket, event }: TicketNotice): Promise<void> {
    const to = desk.directory.group(ticket.groupId);
    if (!to || event.actor.kind !== 'agent') return;
    const fromGroupId = Number(fields(event.from).groupId);
    const from = desk.directory.group(fromGroupId);
    const note = event.note ? await desk.store.tickets.comment(event.note) : null;
    const noteText = note?.text ?? '';
    const posted = await send.post('escalation alert', {
      channel: to.alertChannel,
      text: escalationAlertText(ticket, to.name),
      blocks: escalationAlert(ticket, from ? `${from.name} (${from.id})` : `group ${fromGroupId}`, `${to.name} (${to.id})`, event.actor.id, noteText),
    });
    // Taking it from this alert updates this alert, as for a new ticket.
    if (posted) await rememberAlert(desk, ticket.number, posted);
  }

  async function tellAssignee({ ticket, event }: TicketNotice): Promise<void> {
    // In a chat the requester's words are relayed into the agent's thread instead.
    if (ticket.channel === 'chat' || !ticket.assignee || event.actor.kind === 'agent') return;
    const reopenedFrom = event.action === 'reopened' ? (text(fields(event.from).status) ?? null) : null;
    await send.dm('requester reply notice', ticket.assignee, requesterWroteAgain(ticket, reopenedFrom).text);
  }

  return {
    name: 'alerts',
    actions: ['created', 'taken', 'escalated', 'requester_replied', 'reopened'],
    async ticket(notice) {
      switch (notice.event.action) {
        case 'created':
          return announceNew(notice);
        case 'taken':
          return showTaken(notice);
        case 'escalated':
          return announceEscalation(notice);
        default:
          return tellAssignee(notice);
      }
    },
  };
}
